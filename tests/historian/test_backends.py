"""One suite, both backends (embedded SQLite and a real InfluxDB 1.x): what is written is read back,
aggregates match an independent computation, tiers are stitched, replays do not duplicate."""

from __future__ import annotations

import math
import time

import pytest
from history_data import T0_HOUR, Clock, expected_buckets, sample_rows, store

from historian.rows import US, Row
from tags import Quality

pytestmark = pytest.mark.usefixtures("backend_name")


def test_every_value_is_read_back_with_quality_and_both_times(make_historian) -> None:
    t0 = T0_HOUR()
    h = make_historian(Clock(t0))
    rows = [
        Row("E01.T1.LT", (t0 + 1) * US, 12.5, Quality.GOOD, (t0 + 1) * US + 1234),
        Row("E01.T1.LT", (t0 + 2) * US, 13.0, Quality.UNCERTAIN_LAST_USABLE_VALUE, (t0 + 2) * US + 5),
        Row("E01.T1.LT", (t0 + 3) * US, None, Quality.BAD_NO_COMMUNICATION, (t0 + 3) * US + 7),
        Row("E01.T1.RUN", (t0 + 1) * US, True, Quality.GOOD, (t0 + 1) * US),
        Row("E01.T1.RUN", (t0 + 2) * US, False, Quality.GOOD, (t0 + 2) * US),
        Row("E01.T1.COUNT", (t0 + 1) * US, 7, Quality.GOOD, (t0 + 1) * US),
        Row("E01.CAM.status", (t0 + 1) * US, 'frozen, "lens" = 1', Quality.GOOD, (t0 + 1) * US),
    ]
    store(h, rows)
    tags = ["E01.T1.LT", "E01.T1.RUN", "E01.T1.COUNT", "E01.CAM.status"]
    back = list(h.raw(tags, t0, t0 + 10))
    assert [(r.tag, r.t, r.quality, r.server_t) for r in back] == [
        (r.tag, r.t, r.quality, r.server_t) for r in sorted(rows, key=lambda r: (tags.index(r.tag), r.t))
    ]
    by_key = {(r.tag, r.t): r.value for r in back}
    for r in rows:
        assert by_key[(r.tag, r.t)] == r.value, r
    last = h.last([*tags, "E99.NOPE.X"])
    assert set(last) == set(tags)
    assert last["E01.T1.LT"].quality == Quality.BAD_NO_COMMUNICATION and last["E01.T1.LT"].value is None
    assert last["E01.T1.RUN"].value == False  # noqa: E712 (InfluxDB returns 0.0, SQLite 0: both equal False)


def test_a_replayed_batch_is_stored_once(make_historian) -> None:
    t0 = T0_HOUR()
    h = make_historian(Clock(t0))
    rows = sample_rows("E01.T1.LT", t0, 300)
    store(h, rows)
    store(h, rows[100:200])  # the same rows again, as after a crash between write and acknowledgement
    back = list(h.raw(["E01.T1.LT"], t0, t0 + 300))
    assert [r.t for r in back] == [r.t for r in rows]


@pytest.mark.parametrize("interval_s", [60, 300, 3600])
def test_raw_aggregates_match_an_independent_computation(make_historian, interval_s: int) -> None:
    t0 = T0_HOUR() - 3 * 3600
    h = make_historian(Clock(t0 + 3 * 3600))
    rows = sample_rows("E01.T1.LT", t0, 2 * 3600) + sample_rows("E01.T2.LT", t0, 2 * 3600, phase=1.0)
    store(h, rows)
    tags = ["E01.T1.LT", "E01.T2.LT"]
    got = list(h.aggregate(tags, t0, t0 + 2 * 3600, interval_s=interval_s))
    want = expected_buckets(rows, interval_s)
    assert [(b.tag, b.t, b.count) for b in got] == [(b.tag, b.t, b.count) for b in want]
    for g, w in zip(got, want, strict=True):
        assert math.isclose(g.mean, w.mean, rel_tol=1e-9), (g, w)
        assert (g.min, g.max, g.last) == (w.min, w.max, w.last)


def test_rollup_tiers_answer_like_raw_and_are_stitched_to_recent_data(make_historian) -> None:
    t0 = T0_HOUR() - 4 * 3600
    clock = Clock(t0 + 3 * 3600 + 600)
    h = make_historian(clock)
    rows = sample_rows("E01.T1.LT", t0, 3 * 3600 + 300)
    store(h, rows)
    h._watermarks = {"1m": t0 * US, "1h": t0 * US}  # as if the historian had been running since t0
    h.roll_up()
    assert h.watermark("1h") == (t0 + 3 * 3600) * US
    assert h.watermark("1m") == (t0 + 3 * 3600 + 540) * US  # last whole minute before now - lag
    # 3 h from the 1 h tier, the rest from the 1 min tier (rolled up to 3 h 9 min); equal to raw aggregation.
    segments = h.planner.segments(t0 * US, (t0 + 3 * 3600 + 300) * US, 3600 * US)
    assert [s[0] for s in segments] == ["1h", "1m"]
    h._watermarks["1m"] = (t0 + 3 * 3600) * US  # had the minute rollup not run yet: raw fills in
    assert [s[0] for s in h.planner.segments(t0 * US, (t0 + 3 * 3600 + 300) * US, 3600 * US)] == ["1h", "raw"]
    h._watermarks["1m"] = (t0 + 3 * 3600 + 540) * US
    got = list(h.aggregate(["E01.T1.LT"], t0, t0 + 3 * 3600 + 300, interval_s=3600))
    want = expected_buckets(rows, 3600)
    assert [(b.t, b.count, b.min, b.max, b.last) for b in got] == [(b.t, b.count, b.min, b.max, b.last) for b in want]
    for g, w in zip(got, want, strict=True):
        assert math.isclose(g.mean, w.mean, rel_tol=1e-9)
    minutes = list(h.aggregate(["E01.T1.LT"], t0, t0 + 3 * 3600 + 300, interval_s=600))
    assert [(b.t, b.count) for b in minutes] == [(b.t, b.count) for b in expected_buckets(rows, 600)]
    assert h.planner.segments(t0 * US, (t0 + 3 * 3600 + 300) * US, 600 * US)[0][0] == "1m"


def test_late_data_is_rolled_up_again(make_historian) -> None:
    t0 = T0_HOUR() - 3 * 3600
    clock = Clock(t0 + 2 * 3600)
    h = make_historian(clock)
    first = sample_rows("E01.T1.LT", t0, 1800)
    store(h, first)
    h._watermarks = {"1m": t0 * US, "1h": t0 * US}
    h.roll_up()
    late = sample_rows("E01.T1.LT", t0 + 1800, 1800)  # arrives after the rollup, e.g. replayed from a buffer
    store(h, late)
    clock.now += 60
    h.roll_up()
    got = list(h.aggregate(["E01.T1.LT"], t0, t0 + 3600, interval_s=3600))
    assert [b.count for b in got] == [b.count for b in expected_buckets(first + late, 3600)]


def test_without_a_minute_tier_hours_come_from_raw_and_shorter_intervals_read_raw(make_historian) -> None:
    t0 = T0_HOUR() - 3 * 3600
    clock = Clock(t0 + 2 * 3600 + 600)
    h = make_historian(clock, retention={"minute_days": 0})
    rows = sample_rows("E01.T1.LT", t0, 2 * 3600 + 300)
    h._watermarks = {"1h": t0 * US}  # as if the historian had been running since t0
    store(h, rows)
    h.roll_up()
    assert (h.watermark("1m"), h.watermark("1h")) == (0, (t0 + 2 * 3600) * US)
    end = (t0 + 2 * 3600 + 300) * US
    assert [s[0] for s in h.planner.segments(t0 * US, end, 600 * US)] == ["raw"]
    assert [s[0] for s in h.planner.segments(t0 * US, end, 3600 * US)] == ["1h", "raw"]
    for interval_s in (600, 3600):
        got = list(h.aggregate(["E01.T1.LT"], t0, t0 + 2 * 3600 + 300, interval_s=interval_s))
        want = expected_buckets(rows, interval_s)
        assert [(b.t, b.count, b.min, b.max, b.last) for b in got] == [(b.t, b.count, b.min, b.max, b.last) for b in want]


def test_aggregates_skip_bad_samples_and_text(make_historian) -> None:
    t0 = T0_HOUR()
    h = make_historian(Clock(t0 + 600))
    store(
        h,
        [
            Row("P", (t0 + 1) * US, 10.0, Quality.GOOD, 0),
            Row("P", (t0 + 2) * US, 1000.0, Quality.BAD_SENSOR_FAILURE, 0),
            Row("P", (t0 + 3) * US, 20.0, Quality.UNCERTAIN, 0),
            Row("P", (t0 + 4) * US, 999.0, Quality.BAD, 0),
        ],
    )
    (bucket,) = h.aggregate(["P"], t0, t0 + 60, interval_s=60)
    assert (bucket.mean, bucket.min, bucket.max, bucket.last, bucket.count) == (15.0, 10.0, 20.0, 20.0, 2)


def test_queries_are_quick_enough_to_be_usable(make_historian) -> None:
    """Not a benchmark (bench/historian.py is): a guard that a query does not fetch row by row."""
    t0 = T0_HOUR() - 2 * 3600
    h = make_historian(Clock(t0 + 2 * 3600))
    store(h, sample_rows("E01.T1.LT", t0, 3600))
    started = time.perf_counter()
    assert len(list(h.raw(["E01.T1.LT"], t0, t0 + 3600))) == 3600
    assert time.perf_counter() - started < 5


async def test_the_bus_path_applies_deadband_and_heartbeat_before_storing(make_historian) -> None:
    """Tag store → bus → historian → backend: only what the recording rules keep is stored."""
    import asyncio

    from tags import TagBus, TagStore, TagUpdate

    t0 = T0_HOUR()
    h = make_historian(
        Clock(t0 + 600),
        deadband=0.0,
        max_interval_s=3600,
        record=[{"match": "E01.T1.LT", "deadband": 0.5}, {"match": "E01.T1.PT", "max_interval_s": 10}],
        batch={"max_delay_s": 0.05},
    )
    bus = TagBus()
    tags = TagStore(bus)
    tags.define(["E01.T1.LT", "E01.T1.PT"])
    h.subscribe(bus)
    task = asyncio.create_task(h.run(bus))
    levels = [10.0, 10.2, 10.6, 10.7, 11.2, 11.2]  # deadband 0.5: 10.0, 10.6, 11.2 are kept
    for i, level in enumerate(levels):
        tags.update([TagUpdate("E01.T1.LT", level, Quality.GOOD, t0 + i), TagUpdate("E01.T1.PT", 0.8, Quality.GOOD, t0 + i * 5)])
        await asyncio.sleep(0)
    tags.update([TagUpdate("E01.T1.LT", 11.2, Quality.BAD_SENSOR_FAILURE, t0 + 7)])  # a quality change is always kept
    await asyncio.sleep(0.2)
    h.stop()
    await task
    h.forward_all()
    stored = [(r.tag, r.t // US - t0, r.value, r.quality) for r in h.raw(["E01.T1.LT", "E01.T1.PT"], t0, t0 + 60)]
    assert stored == [
        ("E01.T1.LT", 0, 10.0, Quality.GOOD),
        ("E01.T1.LT", 2, 10.6, Quality.GOOD),
        ("E01.T1.LT", 4, 11.2, Quality.GOOD),
        ("E01.T1.LT", 7, 11.2, Quality.BAD_SENSOR_FAILURE),
        ("E01.T1.PT", 0, 0.8, Quality.GOOD),  # flat: kept at 0, then by the 10 s heartbeat at 10 and 20
        ("E01.T1.PT", 10, 0.8, Quality.GOOD),
        ("E01.T1.PT", 20, 0.8, Quality.GOOD),
    ]
