"""Synthetic history for the historian tests: samples, and aggregates computed independently of the code under test."""

from __future__ import annotations

import math
import time
from collections import defaultdict

from historian.rows import US, Bucket, Row
from historian.service import Historian
from tags import Quality


class Clock:
    """A clock tests move by hand (POSIX seconds)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def T0_HOUR() -> int:
    """A recent whole hour (InfluxDB refuses points older than its retention, so tests use real recent times)."""
    return int(time.time()) // 3600 * 3600 - 3600


def sample_rows(tag: str, start_s: int, seconds: int, phase: float = 0.0) -> list[Row]:
    """One sample a second: a sine with every 17th sample Bad and every 29th Uncertain."""
    rows = []
    for i in range(seconds):
        t = start_s + i
        quality = Quality.BAD_SENSOR_FAILURE if i % 17 == 5 else Quality.UNCERTAIN if i % 29 == 3 else Quality.GOOD
        value = round(50 + 40 * math.sin(i / 300 + phase), 3)
        rows.append(Row(tag, t * US, value, int(quality), t * US + 250_000))
    return rows


def expected_buckets(rows: list[Row], interval_s: int) -> list[Bucket]:
    """Mean/min/max/last/count of non-Bad samples per tag and interval, in tag (first seen) and time order."""
    groups: dict[tuple[str, int], list[Row]] = defaultdict(list)
    order: list[str] = []
    for r in rows:
        if r.tag not in order:
            order.append(r.tag)
        if r.quality & 0x80000000 or not isinstance(r.value, int | float):
            continue
        groups[(r.tag, r.t // (interval_s * US) * interval_s * US)].append(r)
    out = []
    for tag in order:
        for (g_tag, t), members in sorted(groups.items()):
            if g_tag != tag:
                continue
            values = [float(m.value) for m in sorted(members, key=lambda m: m.t)]  # type: ignore[arg-type]
            out.append(Bucket(tag, t, sum(values) / len(values), min(values), max(values), values[-1], len(values)))
    return out


def store(historian: Historian, rows: list[Row]) -> None:
    """Record rows and, on a remote backend, forward them from the disk buffer at once."""
    historian.record(rows)
    historian.forward_all()
