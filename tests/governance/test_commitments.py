from __future__ import annotations

from datetime import date

import pytest
from gov_rig import actor

from governance.errors import Forbidden, GovernanceError

FORM = {"units": {"total": 4, "running": 3, "stopped": 1}, "operations": {"hot_work_1": 2, "confined_space": 1}, "jobs": {"contractor": 1}}


def file(gov, ent: str = "E01"):  # type: ignore[no-untyped-def]
    who = actor(gov.plant, f"{ent.lower()}-boss", "administrator", f"enterprise:{ent}")
    return gov.commitments.file(who, ent, "张三", "今日风险可控，承诺安全生产。", False, FORM)


def test_filed_at_0959_is_on_time_and_at_1001_late(gov, clock) -> None:
    clock.set("2026-03-10 09:59")
    assert file(gov, "E01")["late"] is False
    clock.set("2026-03-10 10:01")
    assert file(gov, "E02")["late"] is True
    city = actor(gov.plant, "admin", "administrator", "city:BJ")
    clock.set("2026-03-10 12:00")
    counts = {r["enterprise"]: r for r in gov.commitments.counts(city, date(2026, 3, 10), date(2026, 3, 11))["enterprises"]}
    assert (counts["E01"]["on_time"], counts["E01"]["late"], counts["E01"]["missing"]) == (1, 0, 0)
    assert (counts["E02"]["on_time"], counts["E02"]["late"], counts["E02"]["missing"]) == (0, 1, 0)
    assert (counts["E03"]["on_time"], counts["E03"]["late"], counts["E03"]["missing"]) == (0, 0, 1)
    groups = gov.commitments.counts(city, date(2026, 3, 10), date(2026, 3, 11))["groups"]
    assert groups["park:YS"] == {"on_time": 1, "late": 1, "missing": 0}  # E01, E02
    assert groups["district:FS"] == {"on_time": 1, "late": 1, "missing": 1}  # E01, E02, E08
    assert groups["total"]["missing"] == 6


def test_missing_counted_only_after_the_deadline_and_over_days(gov, clock) -> None:
    clock.set("2026-03-10 09:59:59")
    assert gov.commitments.standing(date(2026, 3, 10), date(2026, 3, 11), ["E01"])[0].missing == 0
    clock.set("2026-03-10 10:00")
    assert gov.commitments.standing(date(2026, 3, 10), date(2026, 3, 11), ["E01"])[0].missing == 1
    clock.set("2026-03-12 09:00")  # 10th and 11th missing; the 12th is not due yet
    s = gov.commitments.standing(date(2026, 3, 10), date(2026, 3, 13), ["E01"])[0]
    assert (s.missing, s.missing_days) == (2, ("2026-03-10", "2026-03-11"))


def test_reminders_before_the_deadline_then_the_missing_count_each_once(gov, clock) -> None:
    clock.set("2026-03-10 08:59")
    assert "reminders" not in gov.tick()
    clock.set("2026-03-10 09:00")
    file(gov, "E01")
    first = gov.tick()["reminders"]
    assert ("E01", "09:00") not in first and ("E02", "09:00") in first and len(first) == 7
    assert "reminders" not in gov.tick()  # once
    clock.set("2026-03-10 10:00")
    missing = gov.tick()["reminders"]
    assert {s for _, s in missing} == {"missing"} and len(missing) == 7
    actions = [e.action for e in gov.audit.log.recent(50)]
    assert actions.count("commitment.missing") == 7 and actions.count("commitment.reminded") == 7


def test_only_the_enterprise_files_once_a_day_with_a_valid_form(gov, clock) -> None:
    clock.set("2026-03-10 09:00")
    with pytest.raises(Forbidden):
        gov.commitments.file(actor(gov.plant, "fs", "administrator", "district:FS"), "E01", "x", "y", False, FORM)
    with pytest.raises(Forbidden):
        gov.commitments.file(actor(gov.plant, "e02", "administrator", "enterprise:E02"), "E01", "x", "y", False, FORM)
    with pytest.raises(GovernanceError, match=r"units\.running"):
        bad = {"units": {"total": 1, "running": 2}}
        gov.commitments.file(actor(gov.plant, "e01", "duty", "enterprise:E01"), "E01", "x", "y", False, bad)
    file(gov)
    with pytest.raises(GovernanceError, match="already filed"):
        file(gov)
    today = gov.commitments.today(actor(gov.plant, "fs", "duty", "district:FS"))
    assert [r["enterprise"] for r in today] == ["E01", "E02", "E08"]
    assert today[0]["commitment"]["signer"] == "张三" and today[1]["commitment"] is None
