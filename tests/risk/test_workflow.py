"""Warning lifecycle per colour on a controlled clock: pushes, tasks, feedback, on-time close, and the
missed-deadline paths with exactly the notices and tasks arts. 15–17 name, from and to the right units."""

from __future__ import annotations

import pytest
from risk_rig import ROOT, T0, H

from risk.config import load_risk_config
from risk.errors import Forbidden, NotFound, RiskError
from risk.scope import Scope
from risk.service import RiskService
from risk.workflow import Attachment

CITY, FS, YS, E01 = Scope("city", "BJ"), Scope("district", "FS"), Scope("park", "YS"), Scope("enterprise", "E01")
ALL_UNITS = ["city:BJ", "district:FS", "park:YS", "enterprise:E01"]


def at(svc: RiskService, hours: float) -> None:
    """Move the clock and run the workflow's timers, as the server's tick does."""
    svc.clock.t = T0 + hours * H  # type: ignore[attr-defined]
    svc.workflow.tick()


def raise_level(svc: RiskService, level: str, enterprise: str = "E01") -> int | None:
    opened = svc.workflow.apply_level(enterprise, level, svc.clock())
    return opened[0] if opened else None


def pushes(svc: RiskService, wid: int) -> list[str]:
    return [e["unit"] for e in svc.api.warning(CITY, wid)["timeline"] if e["kind"] == "pushed"]


def tasks(svc: RiskService, wid: int) -> set[tuple[str, str]]:
    return {(t["unit"], t["kind"]) for t in svc.api.warning(CITY, wid)["tasks"]}


def notices(svc: RiskService, wid: int) -> list[tuple[str, str]]:
    return [(n["issuer"], n["recipient"]) for n in svc.api.warning(CITY, wid)["notices"]]


def unseen(svc: RiskService, unit: str) -> list[str]:
    return [f["kind"] for f in svc.api.feed(Scope.parse(unit), unseen_only=True)]


def test_yellow_pushed_verified_and_lowered_in_time(service: RiskService) -> None:
    wid = raise_level(service, "yellow")
    assert wid is not None
    assert pushes(service, wid) == ["district:FS", "park:YS", "enterprise:E01"]  # art. 15: three tiers, not the city
    assert tasks(service, wid) == {("enterprise:E01", "onsite_verify"), ("park:YS", "remote_verify"), ("district:FS", "watch")}
    for unit in ("district:FS", "park:YS", "enterprise:E01"):
        feed = service.api.feed(Scope.parse(unit))
        assert [(f["kind"], f["sound"]) for f in feed] == [("warning", True)]
    assert service.api.feed(CITY) == []
    w = service.api.warning(E01, wid)
    assert (w["colour"], w["status"], w["deadline_at"]) == ("yellow", "open", T0 + 24 * H)

    at(service, 3)
    fid = service.api.feedback(
        E01,
        wid,
        "张建国",
        "verification",
        "液位计故障导致，已现场确认",
        attachments=[Attachment("现场.jpg", "image/jpeg", b"\xff\xd8jpeg")],
    )
    w = service.api.warning(FS, wid)
    (fb,) = w["feedback"]
    assert (fb["id"], fb["reported_to"], fb["by"], fb["at"]) == (fid, ["district:FS", "park:YS"], "张建国", T0 + 3 * H)  # art. 15
    assert [(a["name"], a["size"]) for a in fb["attachments"]] == [("现场.jpg", 6)]
    assert service.api.attachment(YS, fb["attachments"][0]["id"]) == ("现场.jpg", "image/jpeg", b"\xff\xd8jpeg")
    assert {(t["unit"], t["kind"], t["status"]) for t in w["tasks"]} >= {("enterprise:E01", "onsite_verify", "done")}
    assert unseen(service, "district:FS") == ["report", "warning"] and unseen(service, "park:YS") == ["report", "warning"]
    assert unseen(service, "enterprise:E01") == ["warning"]

    at(service, 20)
    assert service.workflow.apply_level("E01", "blue", service.clock()) == []
    w = service.api.warning(CITY, wid)
    assert (w["status"], w["close_reason"], w["closed_at"], w["overdue"]) == ("closed", "lowered", T0 + 20 * H, False)
    closed = next(e for e in w["timeline"] if e["kind"] == "closed")
    assert closed["detail"]["on_time"] is True
    at(service, 30)  # the deadline's timer was cancelled with the close
    assert notices(service, wid) == [] and service.api.notices(CITY) == []
    assert service.api.warnings(CITY, status="open") == []


def test_yellow_missed_deadline_district_notice_to_the_enterprise_and_inspection(service: RiskService) -> None:
    wid = raise_level(service, "yellow")
    assert wid is not None
    at(service, 24 - 1 / 60)
    assert notices(service, wid) == []
    at(service, 24)
    assert notices(service, wid) == [("district:FS", "enterprise:E01")]  # art. 15
    assert tasks(service, wid) - {("enterprise:E01", "onsite_verify"), ("park:YS", "remote_verify"), ("district:FS", "watch")} == {
        ("district:FS", "inspection")
    }
    w = service.api.warning(CITY, wid)
    assert w["overdue"] is True and "interview" not in [e["kind"] for e in w["timeline"]]
    (notice,) = service.api.notices(E01, unread_only=True)
    assert "警示通报" in notice["title"] and "组织执法人员进行现场核查" in notice["text"]
    assert unseen(service, "enterprise:E01") == ["notice", "warning"]
    service.api.read_notice(E01, notice["id"], "张建国")
    assert service.api.notices(E01, unread_only=True) == []
    at(service, 30)
    raise_level(service, "blue")
    closed = next(e for e in service.api.warning(CITY, wid)["timeline"] if e["kind"] == "closed")
    assert closed["detail"]["on_time"] is False
    assert len(notices(service, wid)) == 1  # one notice per missed deadline, not one per tick


ORANGE_START = {("enterprise:E01", "onsite_verify"), ("district:FS", "remote_verify")}


def test_orange_lowered_within_the_hour_never_sends_the_park(service: RiskService) -> None:
    wid = raise_level(service, "orange")
    assert wid is not None
    assert pushes(service, wid) == ["district:FS", "park:YS", "enterprise:E01"]  # art. 16
    assert tasks(service, wid) == ORANGE_START
    at(service, 0.5)
    service.api.feedback(E01, wid, "张建国", "handling", "已关闭进料阀，液位回落")
    assert service.api.warning(CITY, wid)["feedback"][0]["reported_to"] == ["district:FS"]  # art. 16: to the district
    at(service, 0.8)
    raise_level(service, "blue")
    at(service, 3)
    assert tasks(service, wid) == ORANGE_START and notices(service, wid) == []
    assert service.api.warning(CITY, wid)["close_reason"] == "lowered"


def test_orange_park_rechecks_after_one_hour_and_the_missed_deadline_path(service: RiskService) -> None:
    wid = raise_level(service, "orange")
    assert wid is not None
    at(service, 0.99)
    assert tasks(service, wid) == ORANGE_START
    at(service, 1)
    assert tasks(service, wid) == ORANGE_START | {("park:YS", "onsite_recheck")}  # art. 16: park sends staff after 1 h
    assert unseen(service, "park:YS") == ["task", "warning"]
    at(service, 2)
    assert notices(service, wid) == [("district:FS", "enterprise:E01")]
    assert tasks(service, wid) == ORANGE_START | {
        ("park:YS", "onsite_recheck"),
        ("district:FS", "inspection"),
        ("district:FS", "enforcement"),
        ("district:FS", "report_result_to_city"),  # the result goes to the city
        ("district:FS", "interview"),  # the district interviews the enterprise head afterwards
    }
    (interview,) = [e for e in service.api.warning(CITY, wid)["timeline"] if e["kind"] == "interview"]
    assert (interview["unit"], interview["detail"]["interviewee"]) == ("district:FS", "张建国")
    task = next(t for t in service.api.tasks(FS) if t["kind"] == "interview")
    service.api.complete_task(FS, task["id"], "李科长", "已约谈张建国，责令整改")
    assert next(t for t in service.api.warning(CITY, wid)["tasks"] if t["kind"] == "interview")["note"] == "已约谈张建国，责令整改"


RED_START = {("enterprise:E01", "onsite_verify"), ("park:YS", "onsite_verify"), ("district:FS", "remote_verify"), ("city:BJ", "watch")}


def test_red_pushed_to_four_tiers_reported_to_city_and_district_lowered_in_time(service: RiskService) -> None:
    wid = raise_level(service, "red")
    assert wid is not None
    assert pushes(service, wid) == ALL_UNITS  # art. 17
    assert tasks(service, wid) == RED_START  # enterprise and park send staff at once
    assert unseen(service, "city:BJ") == ["warning"]
    at(service, 0.25)
    service.api.feedback(E01, wid, "张建国", "verification", "压力表故障，无泄漏")
    assert service.api.warning(CITY, wid)["feedback"][0]["reported_to"] == ["city:BJ", "district:FS"]  # art. 17
    at(service, 0.9)
    raise_level(service, "blue")
    at(service, 2)
    w = service.api.warning(CITY, wid)
    assert (w["status"], w["overdue"], notices(service, wid)) == ("closed", False, [])


def test_red_missed_deadline_city_notice_to_the_district_and_city_interview(service: RiskService) -> None:
    wid = raise_level(service, "red")
    assert wid is not None
    at(service, 1)
    assert notices(service, wid) == [("city:BJ", "district:FS")]  # art. 17: the city notifies the district
    assert tasks(service, wid) == RED_START | {("district:FS", "inspection"), ("district:FS", "enforcement"), ("city:BJ", "interview")}
    (n,) = service.api.notices(FS, unread_only=True)
    assert n["issuer"] == "city:BJ"
    assert service.api.notices(E01) == []  # not addressed to the enterprise
    with pytest.raises(NotFound):
        service.api.read_notice(E01, n["id"], "张建国")


def test_accident_starts_the_emergency_plan(service: RiskService) -> None:
    wid = raise_level(service, "orange")
    assert wid is not None
    for unit in ("district:FS", "park:YS", "enterprise:E01"):
        service.api.mark_seen(Scope.parse(unit), [f["id"] for f in service.api.feed(Scope.parse(unit))], "duty")
    at(service, 0.2)
    service.api.feedback(E01, wid, "张建国", "verification", "T101 浮顶密封泄漏起火", accident=True)
    w = service.api.warning(CITY, wid)
    assert w["accident"] is True
    assert ("enterprise:E01", "emergency_response") in tasks(service, wid)
    assert [e["unit"] for e in w["timeline"] if e["kind"] == "emergency_plan"] == ["enterprise:E01"]  # art. 13
    for unit in ("district:FS", "park:YS", "enterprise:E01"):
        assert "emergency" in unseen(service, unit)


def test_rising_escalates_and_lowering_to_another_warning_colour_opens_it(service: RiskService) -> None:
    yellow = raise_level(service, "yellow")
    at(service, 0.5)
    orange = raise_level(service, "orange")
    assert yellow is not None and orange is not None and orange != yellow
    y = service.api.warning(CITY, yellow)
    assert (y["status"], y["close_reason"], y["level_after"]) == ("closed", "escalated", "orange")
    assert service.api.warning(CITY, orange)["deadline_at"] == T0 + 2.5 * H
    at(service, 1)
    red = raise_level(service, "red")
    at(service, 1.5)
    lowered_to = raise_level(service, "yellow")
    assert red is not None and lowered_to is not None
    assert service.api.warning(CITY, red)["close_reason"] == "lowered"
    assert service.api.warning(CITY, lowered_to)["colour"] == "yellow"
    at(service, 30)  # only the open yellow warning's deadline fires
    assert [(w["id"], w["overdue"]) for w in service.api.warnings(CITY) if w["overdue"]] == [(lowered_to, True)]
    assert raise_level(service, "yellow") is None  # the same level again changes nothing


def test_blue_no_push_shown_to_district_and_park_as_low_inherent_risk(service: RiskService) -> None:
    evals = service.evaluate()
    assert {e.level for e in evals} == {"blue"} and all(e.changed for e in evals)
    assert service.api.warnings(CITY) == [] and service.api.feed(FS) == []
    park = service.api.levels(YS)
    assert [(r["enterprise"], r["level"]) for r in park] == [("E01", "blue"), ("E02", "blue")]
    assert "固有低风险" in park[0]["note"]
    assert [r["enterprise"] for r in service.api.levels(Scope("district", "DX"))] == ["E03"]
    assert not any(e.changed for e in service.evaluate())  # stored levels are the next comparison


def test_an_enterprise_outside_a_park_is_not_pushed_to_any_park(service: RiskService) -> None:
    wid = raise_level(service, "red", "E03")
    assert wid is not None
    assert pushes(service, wid) == ["city:BJ", "district:DX", "enterprise:E03"]
    assert ("district:DX", "remote_verify") in tasks(service, wid) and not any(u.startswith("park") for u, _ in tasks(service, wid))


def test_every_action_is_scoped_by_tier(service: RiskService) -> None:
    wid = raise_level(service, "orange")
    assert wid is not None
    dx, e02 = Scope("district", "DX"), Scope("enterprise", "E02")
    assert service.api.warnings(dx) == [] and [w["id"] for w in service.api.warnings(YS)] == [wid]
    for scope in (dx, e02):
        with pytest.raises(NotFound):
            service.api.warning(scope, wid)
        with pytest.raises(NotFound):
            service.api.feedback(scope, wid, "x", "verification", "x")
    with pytest.raises(Forbidden):
        service.api.feedback(YS, wid, "x", "verification", "only the enterprise reports")
    with pytest.raises(RiskError):
        service.api.feedback(E01, wid, "x", "guess", "x")
    task = next(t for t in service.api.warning(CITY, wid)["tasks"] if t["unit"] == "district:FS")
    with pytest.raises(Forbidden):
        service.api.complete_task(E01, task["id"], "x")
    with pytest.raises(Forbidden):  # a notice goes down the chain, never up
        service.api.issue_notice(E01, wid, "district:FS", "t", "x", "张建国")
    nid = service.api.issue_notice(CITY, wid, "district:FS", "关于加强督导的通报", "请立即督导", "市局值班员")
    assert [n["id"] for n in service.api.notices(FS, unread_only=True)] == [nid]


def test_rules_follow_the_configuration(demo_plant, tmp_path, clock) -> None:
    """Dropping orange's 1 h timer from risk.yaml removes the park's recheck: the lifecycle is data, not code."""
    from risk_rig import make_service

    text = (ROOT / "config" / "risk.yaml").read_text(encoding="utf-8")
    text = text.replace("    timers:\n      - {name: park_recheck, after_s: 3600, tasks: {park: [onsite_recheck]}}\n", "")
    text = text.replace("deadline_s: 3600\n", "deadline_s: 1800\n")
    (tmp_path / "risk.yaml").write_text(text, encoding="utf-8")
    svc = make_service(demo_plant, f"sqlite:///{tmp_path / 'scada.db'}", clock, load_risk_config(tmp_path, demo_plant))
    try:
        wid = raise_level(svc, "orange")
        assert wid is not None
        at(svc, 1.5)
        assert tasks(svc, wid) == ORANGE_START
        red = raise_level(svc, "red")
        assert red is not None
        at(svc, 2)  # red's deadline is 30 min now
        assert notices(svc, red) == [("city:BJ", "district:FS")]
    finally:
        svc.engine.dispose()
