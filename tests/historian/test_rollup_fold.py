"""Rollups folded in the write path (InfluxDB): partials merged by the readers equal an independent computation —
for rows folded out of order, late rows after a flush, two workers writing one point, and a remote that was down."""

from __future__ import annotations

import asyncio
import math
import random
from collections.abc import Sequence
from pathlib import Path

import influxd as influxd_support
import pytest
from history_data import T0_HOUR, Clock, expected_buckets, sample_rows
from services import service_missing

from historian import service
from historian.config import HistorianConfig
from historian.errors import HistorianUnavailable
from historian.influx_backend import InfluxHistory
from historian.rollup_fold import RollupFold, as_bucket, merge
from historian.rows import US, Bucket, Row
from historian.service import Historian, open_backend
from tags import Quality

GOOD = int(Quality.GOOD)


def merged(partials: list[tuple[int, str, list[float]]], interval_s: int) -> list[Bucket]:
    """What a reader's GROUP BY time(interval) makes of partials: one bucket per tag and interval."""
    by_key: dict[tuple[str, int], list[float]] = {}
    for _start, tag, p in partials:
        key = (tag, int(p[3]) // (interval_s * US) * interval_s * US)
        by_key[key] = p if key not in by_key else merge(by_key[key], p)
    return [as_bucket(tag, p)._replace(t=t) for (tag, t), p in sorted(by_key.items())]


def assert_buckets_equal(got: list[Bucket], want: list[Bucket]) -> None:
    assert [(b.tag, b.t, b.count, b.min, b.max, b.last) for b in got] == [(b.tag, b.t, b.count, b.min, b.max, b.last) for b in want]
    for g, w in zip(got, want, strict=True):
        assert math.isclose(g.mean, w.mean, rel_tol=1e-9), (g, w)


def test_partials_folded_in_any_order_and_split_merge_to_the_independent_computation() -> None:
    t0 = T0_HOUR()
    rows = sample_rows("E01.T1.LT", t0, 2 * 3600) + sample_rows("E01.T2.LT", t0 + 30, 3600, phase=1.0)
    rows += [Row("E01.T1.MODE", (t0 + 5) * US, "auto", GOOD, 0), Row("E01.T1.LT", (t0 + 7) * US + 1, math.nan, GOOD, 0)]
    rows += [Row("E01.T1.RUN", (t0 + 60 * k) * US, k % 2 == 0, GOOD, 0) for k in range(5)]  # bools count as 0/1
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    one, two, late = RollupFold(), RollupFold(), RollupFold()  # two workers, and late rows after the first flush
    one.add(shuffled[: len(rows) // 2])
    two.add(shuffled[len(rows) // 2 : -500])
    late.add(shuffled[-500:])
    want_rows = [r for r in rows if not (isinstance(r.value, float) and math.isnan(r.value))]
    for tier, interval_s in (("1m", 60), ("1h", 3600)):
        partials = one.take(tier) + two.take(tier) + late.take(tier)
        assert_buckets_equal(merged(partials, interval_s), sorted(expected_buckets(want_rows, interval_s)))


def test_take_returns_only_closed_intervals_and_put_back_merges() -> None:
    t0 = T0_HOUR()
    fold = RollupFold()
    rows = sample_rows("E01.T1.LT", t0, 240)
    fold.add(rows[:180])
    first = fold.take("1m", (t0 + 120) * US)
    assert sorted({s for s, _tag, _p in first}) == [t0 * US, (t0 + 60) * US]
    fold.put_back("1m", first)  # a write failed: kept, and merged with what is folded meanwhile
    fold.add(rows[180:])
    everything = fold.take("1m")
    assert_buckets_equal(merged(everything, 60), expected_buckets(rows, 60))
    assert fold.take("1m") == []


def test_memory_is_bounded_by_dropping_the_oldest_intervals() -> None:
    t0 = T0_HOUR()
    fold = RollupFold()
    fold.add([Row(f"E01.P{i}", (t0 + 60 * m) * US, 1.0, GOOD, 0) for m in range(3) for i in range(10)])
    assert fold.size() == 3 * 10 + 10  # three minutes and one hour of 10 points
    assert fold.bound(25) == 20  # the first minute, then the hour (it starts as early)
    assert sorted({s for s, _t, _p in fold.take("1m")}) == [(t0 + 60) * US, (t0 + 120) * US]
    assert fold.take("1h") == [] and fold.dropped == 20


# -- against a real InfluxDB ----------------------------------------------------------------------


@pytest.fixture
def influx_config(request: pytest.FixtureRequest) -> HistorianConfig:
    server = request.getfixturevalue("influxd")
    return HistorianConfig.model_validate({"backend": "influxdb1", "influxdb1": {"url": server.url, "database": f"fold{id(request)}"}})


def tiers(h: Historian, tag: str, start_s: int, end_s: int) -> dict[str, list[Bucket]]:
    return {tier: list(h.backend.buckets([tag], start_s * US, end_s * US, s * US, tier)) for tier, s in (("1m", 60), ("1h", 3600))}


async def test_live_rows_from_two_workers_and_late_rows_land_in_both_tiers(influx_config: HistorianConfig, tmp_path: Path) -> None:
    t0 = T0_HOUR() - 3600  # two whole hours ago: every interval below is closed by the end
    clock = Clock(t0)
    workers = [Historian(influx_config, tmp_path / name, clock) for name in ("w1", "w2")]
    workers[0].setup()
    tag = "E01.T1.LT"
    rows = sample_rows(tag, t0, 2 * 3600)
    try:
        for k in range(0, len(rows), 600):  # ten minutes at a time, split between the workers (a handover)
            chunk = [r for r in rows[k : k + 600] if r.t % (7 * US) != 0]
            await workers[0].store(chunk[::2])
            await workers[1].store(chunk[1::2])
            clock.now = rows[min(k + 600, len(rows) - 1)].t / US
            for w in workers:
                w.roll_up()
        late = [r for r in rows if r.t % (7 * US) == 0]  # replayed after their intervals were written
        await workers[1].store(late)
        clock.now = t0 + 2 * 3600 + 120
        for w in workers:
            w.roll_up()
            assert w.fold is not None and w.fold.size() == 0
        got = tiers(workers[0], tag, t0, t0 + 2 * 3600)
        assert_buckets_equal(got["1m"], expected_buckets(rows, 60))
        assert_buckets_equal(got["1h"], expected_buckets(rows, 3600))
        assert workers[0].watermark("1h") == (t0 + 2 * 3600) * US
    finally:
        for w in workers:
            w.close()


async def test_partials_wait_for_a_remote_that_is_down_and_close_writes_the_open_intervals(tmp_path: Path) -> None:
    if not influxd_support.available():
        service_missing("influxd (Debian package influxdb)")
    server = influxd_support.Influxd(tmp_path / "influxd")
    server.start()
    config = HistorianConfig.model_validate({"backend": "influxdb1", "influxdb1": {"url": server.url, "database": "fold", "timeout_s": 2}})
    t0 = T0_HOUR()
    clock = Clock(t0 + 600)
    h = Historian(config, tmp_path / "data", clock)
    h.setup()
    tag = "E01.T1.LT"
    rows = sample_rows(tag, t0, 900)
    try:
        await h.store(rows[:600])
        server.stop()
        with pytest.raises(HistorianUnavailable):
            await asyncio.to_thread(h.roll_up)
        assert h.fold is not None and h.fold.size() > 0, "the partials must be kept while the remote is down"
        server.start()
        await h.store(rows[600:])
        h.roll_up()  # the minutes before t0 + 600 - lag
    finally:
        h.close()  # writes the open minutes and the open hour
    reader = Historian(config, tmp_path / "reader", clock)
    try:
        got = tiers(reader, tag, t0, t0 + 3600)
        assert_buckets_equal(got["1m"], expected_buckets(rows, 60))
        assert_buckets_equal(got["1h"], expected_buckets(rows, 3600))
    finally:
        reader.close()
        server.stop()


class FlakyInflux(InfluxHistory):
    """A real InfluxDB backend whose rollup writes fail from the ``fail_from``-th on (a connection lost mid-way)."""

    def __init__(self, transport: object, fail_from: int) -> None:
        super().__init__(transport)  # type: ignore[arg-type]
        self.calls, self.fail_from = 0, fail_from

    def write_buckets(self, tier: str, buckets: Sequence[Bucket]) -> None:
        self.calls += 1
        if self.calls >= self.fail_from:
            raise HistorianUnavailable("connection lost")
        super().write_buckets(tier, buckets)


async def test_a_write_failing_midway_keeps_only_the_unwritten_partials(
    influx_config: HistorianConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "PARTIALS_PER_WRITE", 3)
    monkeypatch.setattr(service, "PARTIALS_PER_S", 1e9)
    t0 = T0_HOUR()
    clock = Clock(t0 + 1200)
    flaky = FlakyInflux(open_backend(influx_config, tmp_path).transport, fail_from=2)  # type: ignore[attr-defined]
    h = Historian(influx_config, tmp_path / "data", clock, backend=flaky)
    h.setup()
    rows = [r for k in range(8) for r in sample_rows(f"E01.T{k}.LT", t0, 60)]  # 8 partials in the first minute
    try:
        await h.store(rows)
        with pytest.raises(HistorianUnavailable):
            h.roll_up()
        assert h.fold is not None
        kept = h.fold.take("1m")
        assert [tag for _s, tag, _p in kept] == [f"E01.T{k}.LT" for k in range(3, 8)], "the first chunk went out: not kept"
        h.fold.put_back("1m", kept)
        flaky.fail_from = 10**9
        h.roll_up()
        for k in range(8):  # each partial in the tier once: nothing lost, nothing counted twice
            tag = f"E01.T{k}.LT"
            assert_buckets_equal(
                list(h.backend.buckets([tag], t0 * US, (t0 + 60) * US, 60 * US, "1m")), expected_buckets(rows[60 * k : 60 * k + 60], 60)
            )
    finally:
        h.close()
