"""KPIs on a synthetic journal whose figures are worked out by hand below."""

from __future__ import annotations

import pytest

from rules.config import KpiSettings
from rules.events import AlarmRecord
from rules.kpi import compute, select

T0 = 1_700_000_000.0
H = 3600.0


def rec(rid: int, source: str, start: float, clear: float | None, priority: str = "medium", missed: bool = False) -> AlarmRecord:
    return AlarmRecord(
        rid, f"{source}:limit", source, "limit", source.split(".")[0], "HS", priority, "high", "high", None if clear else "high",
        T0 + start, 1.0, 1.0, T0 + start, 1.0, 1.0, T0 + clear if clear is not None else None, missed=missed,
    )  # fmt: skip


def test_figures_match_a_hand_computation() -> None:
    records = [
        # A chatters: 4 activations within 60 s (3 repeats within the 600 s repeat window), each lasting 10 s
        rec(1, "E01.A", 0, 10),
        rec(2, "E01.A", 20, 30),
        rec(3, "E01.A", 40, 50),
        rec(4, "E01.A", 55, 65),
        # B: twice, 1000 s apart (no repeat), 100 s and 300 s long; high priority; the second one missed
        rec(5, "E01.B", 100, 200, "high"),
        rec(6, "E01.B", 1100, 1400, "high", missed=True),
        # C: still active at the end of the 2 h window, started 1 h in
        rec(7, "E01.C", H, None, "critical"),
        # D: started before the window and cleared inside it: counts for clearing time and duration, not as an alarm
        rec(8, "E01.D", -500, 500),
    ]
    k = compute(records, T0, T0 + 2 * H, points=10, cfg=KpiSettings(stale_after_s=1800, flood_per_10min=3))
    assert k.alarms == 7
    assert (k.repeated_alarms, k.points_with_repeats) == (3, 1)
    assert k.avg_alarms_per_point == pytest.approx(0.7)
    # cleared inside the window: 10, 10, 10, 10, 100, 300 and D's 1000 → 1440 / 7
    assert k.avg_clear_s == pytest.approx(1440 / 7)
    # longest: D 500 + 500 = 1000 s from its start; C runs 3600 s to the window end
    assert k.max_duration_s == pytest.approx(3600)
    assert k.alarms_per_10min == pytest.approx(7 / 12)
    # 12 ten-minute buckets; only the first has more than 3 activations (A's four + B's one)
    assert k.flood_pct == pytest.approx(100 / 12)
    assert k.chattering == ["E01.A:limit"]
    assert k.stale == ["E01.C:limit"]  # active for 3600 s > 1800 s
    assert k.bad_actors[0] == ("E01.A:limit", 4) and k.bad_actors[1] == ("E01.B:limit", 2)
    assert k.priorities == {"medium": 4, "high": 2, "critical": 1}
    assert k.missed == 1
    assert k.disturbance_rate == pytest.approx(3 / 10)  # alarming points A, B, C of 10


@pytest.mark.parametrize(("definition", "rate"), [("chattering_points", 0.1), ("repeated_points", 0.1), ("alarming_points", 0.2)])
def test_disturbance_rate_definitions(definition: str, rate: float) -> None:
    records = [rec(1, "E01.A", 0, 1), rec(2, "E01.A", 5, 6), rec(3, "E01.A", 9, 10), rec(4, "E01.B", 100, 110)]
    cfg = KpiSettings.model_validate({"disturbance": {"definition": definition}})
    assert compute(records, T0, T0 + H, 10, cfg).disturbance_rate == pytest.approx(rate)


def test_scopes_pick_records_and_points(demo_plant) -> None:
    records = [rec(1, "E01.T101.LT", 0, 10), rec(2, "E02.X.Y", 0, 10)]
    chosen, points = select(demo_plant, "enterprise", "E01", records)
    assert [r.id for r in chosen] == [1] and points == sum(1 for p in demo_plant.points if p.enterprise.code == "E01")
    chosen, points = select(demo_plant, "point", "E01.T101.LT", records)
    assert [r.id for r in chosen] == [1] and points == 1
    chosen, points = select(demo_plant, "city", "", records)
    assert len(chosen) == 2 and points == len(demo_plant.points)
    with pytest.raises(ValueError, match="scope"):
        select(demo_plant, "planet", "", records)
