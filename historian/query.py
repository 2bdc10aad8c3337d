"""Trend queries over the tiers: the right tier chosen for the range, rollups stitched to recent raw data.

A trend asks for at most ``max_points`` intervals per point; the interval is rounded up to a
"nice" one (1 s … 1 d) and each part of the range is read from the coarsest tier that (a) has an
interval dividing it, (b) still keeps data that old, and (c) has been rolled up that far — the
part after a tier's rollup watermark comes from the tier below, so a trend up to "now" is complete.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from historian.backend import TIER_INTERVAL_US, HistoryBackend
from historian.config import Retention
from historian.rows import US, Bucket

NICE_INTERVALS_S = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
DAY_US = 86_400 * US


def nice_interval(start: int, end: int, max_points: int) -> int:
    """The smallest nice interval (µs) giving at most ``max_points`` intervals over [start, end)."""
    wanted = max(1, -(-(end - start) // max(1, max_points)))
    for seconds in NICE_INTERVALS_S:
        if seconds * US >= wanted:
            return seconds * US
    days = -(-wanted // DAY_US)
    return days * DAY_US


class TrendPlanner:
    """Splits an aggregated query into tier segments; ``watermark(tier)`` says how far a tier is rolled up."""

    def __init__(self, retention: Retention, watermark: Callable[[str], int], now: Callable[[], int]) -> None:
        self.keep_days = retention.days
        self.watermark = watermark
        self.now = now

    def segments(self, start: int, end: int, interval: int) -> list[tuple[str, int, int]]:
        """[(tier, seg_start, seg_end)] covering [start, end) in order; segment edges fall on ``interval``."""
        out: list[tuple[str, int, int]] = []
        cursor = start
        for tier in ("1h", "1m", "raw"):
            tier_interval = TIER_INTERVAL_US[tier]
            if tier_interval and interval % tier_interval:
                continue
            kept_from = self.now() - round(self.keep_days.get(tier, 0.0) * DAY_US)  # a tier not kept: never used
            if tier != "raw" and cursor < kept_from:
                continue  # this tier no longer keeps the start of the range
            limit = end if tier == "raw" else min(end, self.watermark(tier))
            if limit < end:
                limit -= limit % interval  # buckets are aligned to the epoch: never split one
            if limit > cursor:
                out.append((tier, cursor, limit))
                cursor = limit
            if cursor >= end:
                break
        return out


def aggregate(backend: HistoryBackend, planner: TrendPlanner, tags: Sequence[str], start: int, end: int, interval: int) -> Iterator[Bucket]:
    """Buckets of each tag in order, stitched over the planner's segments."""
    segments = planner.segments(start, end, interval)
    for tag in tags:
        for tier, seg_start, seg_end in segments:
            yield from backend.buckets([tag], seg_start, seg_end, interval, tier)
