"""Rollups folded in the write path: minute and hour aggregates kept in memory as rows are written.

Why not ask the server: InfluxDB 1.x answers ``SELECT sum(), min(), max(), last(), count() … GROUP BY
time(1m), point`` at about 0.3–0.4 ms of CPU *per series*, data or not — a minute of 220,000 points
took 65 s and 88 CPU-seconds (``bench/influx_rollup.py``), so at national scale the minute rollup
could never keep up (and timed out). The historian sees every row anyway; folding one into both tiers costs
4–7 µs of this process's CPU.

What is kept are *partials*: per tier, interval and tag the sum, min, max, last (with its time) and
count of the non-Bad numeric samples folded since the last flush. A partial is written at the time
of its last sample, inside its interval, so several partials of one interval (late rows folded
after the first flush, another worker, a restart) are merged by the readers' ``GROUP BY
time(interval)`` — sum of sums, min of mins, max of maxes, the last of the latest, sum of counts —
and none replaces another. Only two partials of one tag whose last samples carry the same time
collide (the later replaces the earlier): that takes the same sample folded twice.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from math import isfinite

from historian.backend import BAD_BIT, ROLLUP_TIERS, TIER_INTERVAL_US
from historian.rows import Bucket, Row

# A partial: (sum, min, max, time of the last sample, last, count) — a tuple of numbers: hundreds of thousands
# of them live for up to an hour, and the garbage collector stops tracking such tuples (lists it scans: 2× the CPU)
Partial = tuple[float, float, float, int, float, int]


class RollupFold:
    """Partials per tier → interval start → tag. Thread-safe: the writer folds, the maintenance thread takes."""

    def __init__(self, tiers: Sequence[str] = ROLLUP_TIERS) -> None:
        self._tiers = tuple((tier, TIER_INTERVAL_US[tier]) for tier in tiers)
        self._lock = threading.Lock()
        self._open: dict[str, dict[int, dict[str, Partial]]] = {tier: {} for tier in tiers}
        self.dropped = 0  # partials dropped to bound memory (see ``bound``)

    def add(self, rows: Sequence[Row]) -> None:
        """Fold rows just written (read once per tier: a sequence, not an iterator); Bad samples, text and non-finite
        numbers count in no aggregate (as in raw queries)."""
        with self._lock:
            for tier, interval in self._tiers:  # a tier at a time, the interval's dict kept while the rows stay in it
                intervals, current, partials = self._open[tier], None, {}
                for tag, t, value, quality, _server_t in rows:
                    if quality & BAD_BIT or value is None or value.__class__ is str:
                        continue
                    v = float(value)
                    if not isfinite(v):
                        continue
                    start = t - t % interval
                    if start != current:
                        current = start
                        partials = intervals.get(start)
                        if partials is None:
                            partials = intervals[start] = {}
                    p = partials.get(tag)
                    if p is None:
                        partials[tag] = (v, v, v, t, v, 1)
                    else:  # a new tuple, not a list updated in place: tuples of numbers leave the GC's lists
                        total, low, high, last_t, last, n = p
                        if t >= last_t:
                            last_t, last = t, v
                        partials[tag] = (total + v, v if v < low else low, v if v > high else high, last_t, last, n + 1)

    def take(self, tier: str, before: int | None = None) -> list[tuple[int, str, Partial]]:
        """Remove and return the partials of the intervals ending at or before ``before`` (all when None)."""
        interval = TIER_INTERVAL_US[tier]
        with self._lock:
            intervals = self._open[tier]
            starts = sorted(s for s in intervals if before is None or s + interval <= before)
            return [(s, tag, p) for s in starts for tag, p in intervals.pop(s).items()]

    def put_back(self, tier: str, taken: Iterable[tuple[int, str, Partial]]) -> None:
        """Partials that could not be written: merged into what was folded since (a write failed)."""
        with self._lock:
            intervals = self._open[tier]
            for start, tag, p in taken:
                partials = intervals.setdefault(start, {})
                q = partials.get(tag)
                partials[tag] = p if q is None else merge(p, q)

    def bound(self, max_partials: int) -> int:
        """Drop the oldest intervals' partials beyond ``max_partials`` (a remote down for long); returns how many."""
        dropped = 0
        with self._lock:
            while self._size() > max_partials:
                tier, start = min(((tier, s) for tier, intervals in self._open.items() for s in intervals), key=lambda x: x[1])
                dropped += len(self._open[tier].pop(start))
        self.dropped += dropped
        return dropped

    def size(self) -> int:
        with self._lock:
            return self._size()

    def _size(self) -> int:
        return sum(len(p) for intervals in self._open.values() for p in intervals.values())


def merge(a: Partial, b: Partial) -> Partial:
    """Two partials of one tag and interval as one."""
    last_t, last = (a[3], a[4]) if a[3] >= b[3] else (b[3], b[4])
    return (a[0] + b[0], min(a[1], b[1]), max(a[2], b[2]), last_t, last, a[5] + b[5])


def as_bucket(tag: str, p: Partial) -> Bucket:
    """A partial as a rollup row: at the time of its last sample (see the module docstring), mean = sum / count."""
    n = int(p[5])
    return Bucket(tag, int(p[3]), p[0] / n, p[1], p[2], p[4], n)
