"""Per-camera availability per day: seconds spent in each status, online % and ok %.

The checker notes every decision; the time from one decision to the next is counted to the
earlier status, split at Beijing midnight (the day operators report on). A gap longer than
``max_gap_s`` (the server was stopped) counts to nothing: unobserved time is neither up nor down.
Accumulated seconds are added into ``video_availability`` rows by ``flush`` (blocking: executor).

- online % = time with frames arriving (any status but unreachable / no_frames) / observed time;
- ok % = time with a usable picture (status ok) / observed time.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, insert, select, update

from scada.store.tables import video_availability
from video.classifier import OFFLINE

DAY_ZONE = ZoneInfo("Asia/Shanghai")


def _split_by_day(start: float, end: float) -> list[tuple[date, float]]:
    """(local day, seconds) pieces of the interval [start, end)."""
    pieces = []
    while start < end:
        local = datetime.fromtimestamp(start, DAY_ZONE)
        next_midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), DAY_ZONE).timestamp()
        stop = min(end, next_midnight)
        pieces.append((local.date(), stop - start))
        start = stop
    return pieces


class AvailabilityTracker:
    def __init__(self, max_gap_s: float = 300.0) -> None:
        self.max_gap_s = max_gap_s
        self._last: dict[str, tuple[str, float]] = {}  # camera key → (status, at)
        self.pending: dict[tuple[date, str, str], float] = defaultdict(float)  # (day, camera key, status) → seconds

    def note(self, camera: str, status: str, at: float) -> None:
        last = self._last.get(camera)
        if last is not None and 0 < at - last[1] <= self.max_gap_s:
            for day, seconds in _split_by_day(last[1], at):
                self.pending[(day, camera, last[0])] += seconds
        self._last[camera] = (status, at)

    def forget(self, camera: str) -> None:
        self._last.pop(camera, None)

    def take(self) -> dict[tuple[date, str, str], float]:
        taken, self.pending = dict(self.pending), defaultdict(float)
        return taken

    def flush(self, engine: Engine) -> int:
        """Add the accumulated seconds to the store; returns the rows touched."""
        taken = self.take()
        if not taken:
            return 0
        table = video_availability
        with engine.begin() as conn:
            for (day, camera, status), seconds in taken.items():
                enterprise, _, cam = camera.partition(".")
                key = (table.c.day == day) & (table.c.enterprise == enterprise) & (table.c.camera == cam) & (table.c.status == status)
                if conn.execute(update(table).where(key).values(seconds=table.c.seconds + seconds)).rowcount == 0:
                    conn.execute(insert(table).values(day=day, enterprise=enterprise, camera=cam, status=status, seconds=seconds))
        return len(taken)


@dataclass(frozen=True, slots=True)
class DayAvailability:
    day: date
    enterprise: str
    camera: str
    observed_s: float
    online_s: float
    ok_s: float
    by_status: dict[str, float]

    @property
    def online_pct(self) -> float:
        return 100.0 * self.online_s / self.observed_s if self.observed_s else 0.0

    @property
    def ok_pct(self) -> float:
        return 100.0 * self.ok_s / self.observed_s if self.observed_s else 0.0


def availability(engine: Engine, first: date, last: date, enterprise: str | None = None) -> list[DayAvailability]:
    """Availability of every camera with observed time from ``first`` to ``last`` (inclusive), by day."""
    table = video_availability
    query = select(table).where(table.c.day >= first, table.c.day <= last)
    if enterprise is not None:
        query = query.where(table.c.enterprise == enterprise)
    grouped: dict[tuple[date, str, str], dict[str, float]] = defaultdict(dict)
    with engine.connect() as conn:
        for row in conn.execute(query).mappings():
            grouped[(row["day"], row["enterprise"], row["camera"])][row["status"]] = float(row["seconds"])
    out = []
    for (day, ent, cam), by_status in sorted(grouped.items()):
        observed = sum(by_status.values())
        online = sum(s for status, s in by_status.items() if status not in OFFLINE)
        out.append(DayAvailability(day, ent, cam, observed, online, by_status.get("ok", 0.0), by_status))
    return out
