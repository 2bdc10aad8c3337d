"""Retention on the embedded backend: each tier expires on its own schedule."""

from __future__ import annotations

from history_data import Clock, sample_rows

from historian.rows import US


def test_retention_keeps_each_tier_for_its_own_time(tmp_path) -> None:
    """SQLite deletes expired rows itself (InfluxDB expires them by retention policy, set up per tier)."""
    from historian.config import HistorianConfig
    from historian.service import Historian

    day = 86_400
    t0 = 1_700_000_000 // 3600 * 3600
    clock = Clock(t0 + 2 * 3600)
    config = HistorianConfig.model_validate({"retention": {"raw_days": 30, "minute_days": 60, "hour_days": 90}})
    h = Historian(config, tmp_path, clock)
    try:
        h.record(sample_rows("P", t0, 2 * 3600))
        h._watermarks = {"1m": t0 * US, "1h": t0 * US}
        h.roll_up()
        assert [b.count > 0 for b in h.aggregate(["P"], t0, t0 + 3600, interval_s=3600)] == [True]
        clock.now += 45 * day  # raw expired, rollups kept
        h.purge()
        assert list(h.raw(["P"], t0, t0 + 2 * 3600)) == []
        assert len(list(h.backend.buckets(["P"], t0 * US, (t0 + 2 * 3600) * US, 60 * US, "1m"))) == 119
        clock.now += 30 * day  # minutes expired too
        h.purge()
        assert list(h.backend.buckets(["P"], t0 * US, (t0 + 2 * 3600) * US, 60 * US, "1m")) == []
        assert len(list(h.backend.buckets(["P"], t0 * US, (t0 + 2 * 3600) * US, 3600 * US, "1h"))) == 1
    finally:
        h.close()
