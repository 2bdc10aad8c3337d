"""Maintenance notices on the Chinese working-day calendar; read confirmations; usage problems."""

from __future__ import annotations

import pytest
from gov_rig import actor, bj

from governance.errors import Forbidden, GovernanceError


def schedule(gov, clock, notice: str, work: str):  # type: ignore[no-untyped-def]
    clock.set(notice)
    centre = actor(gov.plant, "admin", "administrator", "city:BJ")
    return gov.maintenance.schedule(centre, "系统升级", "平台升级，期间暂停访问", bj(work), bj(work) + 7200, ["all"])


def test_one_working_day_across_a_weekend_is_refused(gov, clock) -> None:
    with pytest.raises(GovernanceError) as exc:
        schedule(gov, clock, "2026-03-13 09:00", "2026-03-16 20:00")  # Friday → Monday
    msg = str(exc.value)
    assert "at least 2 working days" in msg and "1 working day(s) (2026-03-13)" in msg and "2026-03-12" in msg
    assert schedule(gov, clock, "2026-03-12 17:00", "2026-03-16 20:00")["working_days"] == 2  # Thursday → Monday


def test_one_working_day_before_a_public_holiday_is_refused(gov, clock) -> None:
    with pytest.raises(GovernanceError, match=r"国庆节、中秋节"):
        schedule(gov, clock, "2025-09-30 09:00", "2025-10-09 20:00")  # Oct 1–8 are holidays


def test_an_adjusted_working_day_counts(gov, clock) -> None:
    # Sunday 2025-09-28 is a working day: Friday 26th + Sunday 28th = 2 working days before Monday 29th.
    assert schedule(gov, clock, "2025-09-26 16:00", "2025-09-29 20:00")["working_days"] == 2
    with pytest.raises(GovernanceError):
        schedule(gov, clock, "2025-09-27 10:00", "2025-09-29 20:00")


def test_recipients_confirm_reading_and_districts_file_problems(gov, clock) -> None:
    n = schedule(gov, clock, "2026-03-10 09:00", "2026-03-20 20:00")
    e01 = actor(gov.plant, "e01", "duty", "enterprise:E01")
    read = gov.maintenance.confirm_read(e01, n["id"])
    assert "enterprise:E01" not in read["unread"] and "district:FS" in read["unread"]
    assert gov.maintenance.confirm_read(e01, n["id"])["reads"] == read["reads"]  # the first confirmation stands
    with pytest.raises(Forbidden):
        gov.maintenance.schedule(e01, "x", "y", bj("2026-04-01 20:00"), bj("2026-04-01 22:00"), [])
    fs = actor(gov.plant, "fs", "duty", "district:FS")
    p = gov.maintenance.file_problem(fs, "趋势页面慢", "打开30天趋势需要10秒")
    with pytest.raises(Forbidden):
        gov.maintenance.file_problem(e01, "x", "y")
    centre = actor(gov.plant, "admin", "administrator", "city:BJ")
    gov.maintenance.answer_problem(centre, p["id"], "in_progress", "已排查")
    assert [(x["status"], x["response"]) for x in gov.maintenance.problems(fs)] == [("in_progress", "已排查")]
    assert gov.maintenance.problems(actor(gov.plant, "dx", "duty", "district:DX")) == []
