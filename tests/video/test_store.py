"""Availability per camera per day and spot checks 视频抽查, on SQLite and a real PostgreSQL."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, inspect

from scada.store import connect, downgrade, upgrade
from video.availability import DAY_ZONE, AvailabilityTracker, availability
from video.config import load_cameras
from video.spotcheck import SpotCheckError, SpotChecks, enterprises_in_scope

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request, tmp_path: Path) -> Iterator[Engine]:
    url = f"sqlite:///{tmp_path / 'scada.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    eng = connect(url)
    upgrade(eng)
    yield eng
    eng.dispose()


def at(text: str) -> float:
    """A Beijing wall-clock time as a timestamp."""
    return datetime.fromisoformat(text).replace(tzinfo=DAY_ZONE).timestamp()


def test_time_is_counted_to_the_status_it_was_in_and_split_at_beijing_midnight() -> None:
    tracker = AvailabilityTracker(max_gap_s=600)
    tracker.note("E01.CAM01", "ok", at("2026-11-30T23:50:00"))
    tracker.note("E01.CAM01", "unreachable", at("2026-11-30T23:58:00"))  # 8 min ok
    tracker.note("E01.CAM01", "ok", at("2026-12-01T00:03:00"))  # 2 + 3 min unreachable across midnight
    tracker.note("E01.CAM01", "ok", at("2026-12-01T00:30:00"))  # a 27 min gap: the server was down, not counted
    tracker.note("E01.CAM01", "frozen", at("2026-12-01T00:31:00"))  # 1 min ok
    assert dict(tracker.pending) == {
        (date(2026, 11, 30), "E01.CAM01", "ok"): 480.0,
        (date(2026, 11, 30), "E01.CAM01", "unreachable"): 120.0,
        (date(2026, 12, 1), "E01.CAM01", "unreachable"): 180.0,
        (date(2026, 12, 1), "E01.CAM01", "ok"): 60.0,
    }


def test_availability_adds_up_across_flushes(engine: Engine) -> None:
    tracker = AvailabilityTracker(max_gap_s=600)
    t0 = at("2026-12-01T08:00:00")
    for i, status in enumerate(["ok", "ok", "frozen", "unreachable", "ok"]):  # 5 min each; the last one opens an interval
        tracker.note("E02.CAM03", status, t0 + 300 * i)
    assert tracker.flush(engine) == 3
    tracker.note("E02.CAM03", "ok", t0 + 300 * 5)
    tracker.flush(engine)
    tracker.note("E02.CAM03", "ok", t0 + 300 * 6)
    tracker.flush(engine)
    (day,) = availability(engine, date(2026, 12, 1), date(2026, 12, 1))
    assert (day.enterprise, day.camera, day.observed_s) == ("E02", "CAM03", 1800.0)
    assert day.by_status == {"ok": 1200.0, "frozen": 300.0, "unreachable": 300.0}
    assert round(day.online_pct, 2) == 83.33 and round(day.ok_pct, 2) == 66.67
    assert availability(engine, date(2026, 12, 1), date(2026, 12, 1), enterprise="E01") == []


@pytest.fixture
def spot(engine: Engine, demo_plant) -> SpotChecks:
    clock = iter(datetime(2026, 12, 1, 2, m, tzinfo=UTC) for m in range(60))
    return SpotChecks(engine, demo_plant, load_cameras(ROOT / "config", demo_plant), random.Random(7), lambda: next(clock))


def test_scopes_select_enterprises(demo_plant) -> None:
    assert enterprises_in_scope(demo_plant, "park:YS") == ["E01", "E02"]
    assert enterprises_in_scope(demo_plant, "district:JK") == ["E06", "E07"]
    assert len(enterprises_in_scope(demo_plant, "city:BJ")) == 8
    for bad in ("district:XX", "region:FS", "E01"):
        with pytest.raises(SpotCheckError):
            enterprises_in_scope(demo_plant, bad)


def test_a_draw_spreads_over_the_enterprises_of_the_scope(spot: SpotChecks) -> None:
    drawn = spot.draw("district:FS", 3, "房山区应急局 李四")  # E01, E02, E08: one camera each
    assert sorted(c.enterprise for c in drawn) == ["E01", "E02", "E08"]
    assert all(c.result == "pending" for c in drawn)
    again = spot.pick("park:YS", 6)  # only E01 and E02 (3 cameras each): all six, none twice
    assert len({(c.enterprise, c.id) for c in again}) == 6
    assert len(spot.pick("enterprise:E05", 10)) == 3


def test_results_history_and_statistics_per_enterprise(spot: SpotChecks) -> None:
    drawn = spot.draw("city:BJ", 8, "市应急局 王五")
    by_ent = {c.enterprise: c for c in drawn}
    spot.record(by_ent["E01"].id, "normal", "", "王五")
    done = spot.record(by_ent["E03"].id, "problem", "画面模糊，镜头有污渍", "王五")
    assert (done.result, done.checked_by) == ("problem", "王五") and done.checked_at is not None
    with pytest.raises(SpotCheckError, match="already has a result"):
        spot.record(by_ent["E01"].id, "problem", "x", "王五")
    with pytest.raises(SpotCheckError, match="needs a note"):
        spot.record(by_ent["E02"].id, "problem", " ", "王五")
    with pytest.raises(SpotCheckError, match="no spot check"):
        spot.record(99999, "normal", "", "王五")

    history = spot.history("E03")
    assert [(h.result, h.note) for h in history] == [("problem", "画面模糊，镜头有污渍")]
    stats = {s.enterprise: s for s in spot.statistics()}
    assert (stats["E03"].drawn, stats["E03"].problem, stats["E03"].problem_pct) == (1, 1, 100.0)
    assert (stats["E01"].normal, stats["E02"].pending) == (1, 1)
    assert len(spot.history()) == 8


def test_the_video_tables_come_and_go_with_migration_0004(engine: Engine) -> None:
    assert {"video_availability", "video_spot_checks"} <= set(inspect(engine).get_table_names())
    downgrade(engine, "0003")
    assert "video_spot_checks" not in inspect(engine).get_table_names()
    upgrade(engine)
    assert "video_spot_checks" in inspect(engine).get_table_names()
