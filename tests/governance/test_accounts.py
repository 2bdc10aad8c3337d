"""The enterprise account flow: no step skipped, each step only by its owner; forced password change."""

from __future__ import annotations

import pytest
from gov_rig import actor

from governance.accounts import STEPS
from governance.errors import Forbidden, GovernanceError


def people(plant):  # type: ignore[no-untyped-def]
    return {
        "apply": actor(plant, "e01-admin", "administrator", "enterprise:E01"),
        "district": actor(plant, "fs-admin", "administrator", "district:FS"),
        "city_duty": actor(plant, "city-duty", "duty", "city:BJ"),
        "hazchem": actor(plant, "hazchem", "duty", "city:BJ"),
        "info_centre": actor(plant, "admin", "administrator", "city:BJ"),
    }


def test_the_flow_cannot_skip_a_step_and_each_step_is_its_owners(gov) -> None:
    who = people(gov.plant)
    outsiders = [actor(gov.plant, "dx-admin", "administrator", "district:DX"), actor(gov.plant, "e01-duty", "duty", "enterprise:E01")]
    with pytest.raises(Forbidden):
        gov.accounts.apply(who["district"], "E01", "open", "e01-new")
    req = gov.accounts.apply(who["apply"], "E01", "open", "e01-new", "新值班员", "duty")
    for i, step in enumerate(STEPS[1:], start=1):
        for later in STEPS[i + 1 :]:  # a later step's owner cannot act before this step
            with pytest.raises(GovernanceError, match="cannot come before"):
                gov.accounts.decide(who[later], req["id"], later, True)
        for other in [*outsiders, *(who[s] for s in STEPS if s != step and s != "hazchem")]:
            with pytest.raises(Forbidden):
                gov.accounts.decide(other, req["id"], step, True)
        req = gov.accounts.decide(who[step], req["id"], step, True, f"{step} ok")
    assert req["status"] == "done" and [s["step"] for s in req["steps"]] == list(STEPS)
    assert [s["decision"] for s in req["steps"]][-1] == "opened"
    password = req["initial_password"]
    assert gov.accounts.users.get("e01-new").tier == "enterprise" and gov.accounts.must_change("e01-new")
    with pytest.raises(GovernanceError, match="at least 10"):
        gov.accounts.change_password("e01-new", password, "short1!")
    with pytest.raises(GovernanceError, match="a symbol"):
        gov.accounts.change_password("e01-new", password, "abcdefghij12")
    gov.accounts.change_password("e01-new", password, "Better#pass2026")
    assert not gov.accounts.must_change("e01-new")
    with pytest.raises(GovernanceError, match="no step is left"):
        gov.accounts.decide(who["info_centre"], req["id"], "info_centre", True)


def test_a_rejection_ends_the_request_and_delete_deactivates(gov) -> None:
    who = people(gov.plant)
    req = gov.accounts.apply(who["apply"], "E01", "open", "e01-x")
    with pytest.raises(GovernanceError, match="note"):
        gov.accounts.decide(who["district"], req["id"], "district", False)
    req = gov.accounts.decide(who["district"], req["id"], "district", False, "人员未备案")
    assert req["status"] == "rejected" and gov.accounts.users.get("e01-x") is None
    gov.accounts.create_admin("e01-admin2", "enterprise", "E01")
    req = gov.accounts.apply(who["apply"], "E01", "delete", "e01-admin2")
    for step in STEPS[1:]:
        req = gov.accounts.decide(who[step], req["id"], step, True)
    assert gov.accounts.users.get("e01-admin2").active is False
