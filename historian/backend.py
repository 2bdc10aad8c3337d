"""The one historian interface both backends implement (embedded SQLite, InfluxDB).

Everything here is blocking: the historian service calls it from its own worker thread, never
from the event loop. Times are integer microseconds (see ``historian.rows``).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence

from historian.rows import US, Bucket, Row

# Tiers: raw samples, 1-minute and 1-hour rollups (sum/min/max/last and count of non-Bad samples).
TIER_INTERVAL_US = {"raw": 0, "1m": 60 * US, "1h": 3600 * US}
ROLLUP_TIERS = ("1m", "1h")
BAD_BIT = 0x80000000  # quality at or above this is Bad (OPC UA severity bit)


class HistoryBackend(ABC):
    """Storage of rows and rollups; the query planner (``historian.query``) picks the tier."""

    name: str
    folds_rollups = False  # True: the historian folds rollups from written rows and calls write_buckets, not rollup

    def write_buckets(self, tier: str, buckets: Sequence[Bucket]) -> None:
        """Store rollup partials (a backend that folds rollups)."""
        raise NotImplementedError(f"{self.name} computes its rollups")

    @abstractmethod
    def write(self, rows: Sequence[Row]) -> None:
        """Store rows; writing the same (tag, t) again replaces it (idempotent replays)."""

    @abstractmethod
    def last(self, tags: Sequence[str]) -> dict[str, Row]:
        """The newest raw row of each tag that has one."""

    @abstractmethod
    def raw(self, tags: Sequence[str], start: int, end: int) -> Iterator[Row]:
        """Rows with ``start <= t < end``, tag by tag in the given order, each in time order; streamed."""

    @abstractmethod
    def buckets(self, tags: Sequence[str], start: int, end: int, interval: int, tier: str) -> Iterator[Bucket]:
        """Aggregates per ``interval`` (a multiple of the tier's) from ``tier``; Bad samples excluded."""

    def rollup(self, tier: str, start: int, end: int, source: str) -> int:
        """Compute ``tier`` for the whole intervals in [start, end) from ``source`` (the next finer tier kept);
        returns rows written (a backend that does not fold rollups)."""
        raise NotImplementedError(f"{self.name} folds its rollups")

    @abstractmethod
    def purge(self, keep_from: dict[str, int]) -> None:
        """Delete each tier's data older than ``keep_from[tier]`` (µs); InfluxDB does it by retention policy."""

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


def bucket_start(t: int, interval: int) -> int:
    return t - t % interval
