"""Latency histograms a worker keeps and publishes: fixed log-spaced buckets, so workers' histograms add up."""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence

# Upper bounds in ms: 1 ms … ~10 min, 10 buckets per decade (±12 % resolution).
BOUNDS_MS: tuple[float, ...] = tuple(round(10 ** (i / 10), 3) for i in range(0, 58))


class Histogram:
    __slots__ = ("counts", "max_ms", "total")

    def __init__(self, counts: Sequence[int] | None = None) -> None:
        self.counts = list(counts) if counts is not None else [0] * (len(BOUNDS_MS) + 1)
        self.total = sum(self.counts)
        self.max_ms = 0.0

    def add(self, ms: float) -> None:
        self.counts[bisect_left(BOUNDS_MS, ms)] += 1
        self.total += 1
        if ms > self.max_ms:
            self.max_ms = ms

    def add_many(self, values_ms: Iterable[float]) -> None:
        for ms in values_ms:
            self.add(ms)

    def merge(self, other: Histogram) -> Histogram:
        out = Histogram([a + b for a, b in zip(self.counts, other.counts, strict=True)])
        out.max_ms = max(self.max_ms, other.max_ms)
        return out

    def minus(self, other: Histogram) -> Histogram:
        return Histogram([a - b for a, b in zip(self.counts, other.counts, strict=True)])

    def quantile(self, q: float) -> float | None:
        """The bucket bound below which a fraction ``q`` of the samples fall (None when empty)."""
        if not self.total:
            return None
        rank, seen = q * self.total, 0
        for i, c in enumerate(self.counts):
            seen += c
            if seen >= rank and c:
                return BOUNDS_MS[i] if i < len(BOUNDS_MS) else float("inf")
        return BOUNDS_MS[-1]
