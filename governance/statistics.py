"""Offline and operation statistics (art. 19): online rate, offline seconds and offline counts per device,
gateway and enterprise, for a Beijing day or month, from ``offline_episodes``.

Every offline second counts; seconds inside an approved out-of-service declaration of that device are
reported beside them as ``excused_s`` — never subtracted out of sight. The period is clipped at the
clock (a month in progress counts up to now). Blocking database calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select

from governance.declarations import Declarations
from scada.config import Plant
from scada.store.db import aware
from scada.store.tables import offline_episodes

GATEWAY = "_gateway"  # gateway edges are recorded as this device


@dataclass(frozen=True)
class Availability:
    enterprise: str
    device: str  # a device id, "_gateway", or "" for the enterprise as a whole
    period_s: float
    offline_s: float
    offline_count: int
    excused_s: float

    @property
    def online_rate(self) -> float:
        return 1.0 - self.offline_s / self.period_s if self.period_s > 0 else 1.0

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "online_rate": self.online_rate, "offline_h": self.offline_s / 3600}


def _overlap(spans: list[tuple[float, float]], s: float, e: float) -> float:
    return sum(max(0.0, min(e, b) - max(s, a)) for a, b in spans)


class OfflineStatistics:
    def __init__(self, engine: Engine, plant: Plant, declarations: Declarations, clock: Callable[[], float]) -> None:
        self.engine, self.plant, self.declarations, self.clock = engine, plant, declarations, clock

    def _episodes(self, enterprises: list[str], start: float, end: float) -> list[tuple[str, str, float, float]]:
        c = offline_episodes.c
        lo, hi = datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC)
        q = select(c.enterprise, c.device, c.started_at, c.ended_at).where(
            c.enterprise.in_(enterprises), c.started_at < hi, (c.ended_at.is_(None)) | (c.ended_at > lo)
        )
        now = self.clock()
        with self.engine.connect() as conn:
            return [(e, d, aware(s).timestamp(), aware(x).timestamp() if x is not None else now) for e, d, s, x in conn.execute(q)]

    def availability(self, enterprises: list[str], start: float, end: float) -> list[Availability]:
        """Per device and gateway of each enterprise, then one row per enterprise (device ""), over [start, end)."""
        end = min(end, self.clock())
        period = max(0.0, end - start)
        episodes = self._episodes(enterprises, start, end) if period else []
        out = []
        for f in self.plant.enterprises:
            code = f.enterprise.code
            if code not in enterprises:
                continue
            excused = self.declarations.excused(code, start, end) if period else {}
            rows = []
            for device in [d.id for d in f.devices] + [GATEWAY]:
                spans = [(max(s, start), min(x, end)) for e, d, s, x in episodes if e == code and d == device and x > s]
                offline = sum(max(0.0, b - a) for a, b in spans)
                count = sum(1 for e, d, s, _ in episodes if e == code and d == device and start <= s < end)
                rows.append(Availability(code, device, period, offline, count, _excused(spans, excused.get(device, []))))
            devices = [r for r in rows if r.device != GATEWAY]
            n = len(devices) or 1
            out += rows
            out.append(
                Availability(
                    code,
                    "",
                    period * n,
                    sum(r.offline_s for r in devices),
                    sum(r.offline_count for r in devices),
                    sum(r.excused_s for r in devices),
                )
            )
        return out

    def operation_report(self, start: float, end: float) -> dict[str, Any]:
        """The city's periodic operation report: online rate and offline hours per enterprise, district and the city."""
        ents = [f.enterprise for f in self.plant.enterprises]
        rows = [r for r in self.availability([e.code for e in ents], start, end) if r.device == ""]
        by_code = {r.enterprise: r for r in rows}
        districts: dict[str, dict[str, float]] = {}
        for e in ents:
            r = by_code[e.code]
            g = districts.setdefault(e.district, {"period_s": 0.0, "offline_s": 0.0, "offline_count": 0, "excused_s": 0.0})
            g["period_s"] += r.period_s
            g["offline_s"] += r.offline_s
            g["offline_count"] += r.offline_count
            g["excused_s"] += r.excused_s
        for g in districts.values():
            g["online_rate"] = 1.0 - g["offline_s"] / g["period_s"] if g["period_s"] else 1.0
        total_p = sum(r.period_s for r in rows)
        total_o = sum(r.offline_s for r in rows)
        return {
            "start": start,
            "end": min(end, self.clock()),
            "enterprises": [r.to_json() for r in rows],
            "districts": districts,
            "city": {"online_rate": 1.0 - total_o / total_p if total_p else 1.0, "offline_h": total_o / 3600},
        }


def _excused(spans: list[tuple[float, float]], periods: list[tuple[float, float]]) -> float:
    return sum(_overlap(periods, a, b) for a, b in spans)
