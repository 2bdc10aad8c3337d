"""Monthly risk analysis (arts. 5–7) for a district or the park: the figures, computed from the store.

Warnings by colour and how they were handled (on time / late / open), alarm KPIs and the top bad
actors (``rules.kpi``), the risk-level trend per enterprise (highest level of each day), commitment
compliance and offline statistics. ``governance.render`` writes them as xlsx (with charts) or PDF.
Blocking database calls.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select

from governance.actor import enterprises_of
from governance.calendar import day_of, month_bounds
from governance.commitments import CommitmentBook
from governance.errors import GovernanceError
from governance.statistics import OfflineStatistics
from rules.config import KpiSettings
from rules.journal import AlarmJournal
from rules.kpi import compute
from rules.kpi import select as kpi_select
from scada.config import Plant
from scada.store.tables import risk_evaluations, risk_warnings

COLOURS = ("red", "orange", "yellow")
LEVELS = ("blue", "yellow", "orange", "red")  # rank 0..3


def parse_unit(plant: Plant, unit: str) -> tuple[str, str]:
    tier, _, code = unit.partition(":")
    known = {f"district:{d.code}" for d in plant.site.districts} | {f"park:{p.code}" for p in plant.site.parks}
    if unit not in known:
        raise GovernanceError(f"a monthly report is for a district or the park: {', '.join(sorted(known))}; not {unit!r}")
    return tier, code


class MonthlyFigures:
    def __init__(self, engine: Engine, plant: Plant, kpi: KpiSettings, book: CommitmentBook, stats: OfflineStatistics) -> None:
        self.engine, self.plant, self.kpi, self.book, self.stats = engine, plant, kpi, book, stats

    def compute(self, unit: str, month: str) -> dict[str, Any]:
        tier, code = parse_unit(self.plant, unit)
        start, end = month_bounds(month)
        ents = sorted(enterprises_of(self.plant, tier, code))
        names = {f.enterprise.code: f.enterprise.name for f in self.plant.enterprises}
        return {
            "unit": unit,
            "month": month,
            "start": start,
            "end": end,
            "enterprises": [{"code": e, "name": names[e]} for e in ents],
            "warnings": self._warnings(ents, start, end),
            "alarms": self._alarms(tier, code, ents, start, end),
            "trend": self._trend(ents, start, end),
            "commitments": self._commitments(ents, start, end),
            "offline": [r.to_json() for r in self.stats.availability(ents, start, end) if r.device == ""],
        }

    def _warnings(self, ents: list[str], start: float, end: float) -> dict[str, dict[str, int]]:
        c = risk_warnings.c
        q = select(c.colour, c.status, c.overdue).where(c.enterprise.in_(ents), c.raised_at >= start, c.raised_at < end)
        out = {k: {"raised": 0, "on_time": 0, "late": 0, "open": 0} for k in COLOURS}
        with self.engine.connect() as conn:
            for colour, status, overdue in conn.execute(q):
                row = out.setdefault(colour, {"raised": 0, "on_time": 0, "late": 0, "open": 0})
                row["raised"] += 1
                row["late" if overdue else "on_time" if status == "closed" else "open"] += 1
        return out

    def _alarms(self, tier: str, code: str, ents: list[str], start: float, end: float) -> dict[str, Any]:
        records = AlarmJournal(self.engine).records(datetime.fromtimestamp(start, UTC), datetime.fromtimestamp(end, UTC), ents)
        chosen, points = kpi_select(self.plant, tier, code, records)
        k = compute(chosen, start, end, points, self.kpi)
        per_enterprise = Counter(r.enterprise for r in chosen if start <= r.start_at < end)
        return {
            "kpis": k.to_json(),
            "per_enterprise": {e: per_enterprise.get(e, 0) for e in ents},
            "bad_actors": [{"alarm": a, "count": n} for a, n in k.bad_actors],
        }

    def _trend(self, ents: list[str], start: float, end: float) -> dict[str, dict[str, str]]:
        c = risk_evaluations.c
        q = select(c.enterprise, c.at, c.level).where(c.enterprise.in_(ents), c.at >= start, c.at < end).order_by(c.at)
        out: dict[str, dict[str, str]] = {e: {} for e in ents}
        with self.engine.connect() as conn:
            for ent, at, level in conn.execute(q):
                day = day_of(at).isoformat()
                if LEVELS.index(level) >= LEVELS.index(out[ent].get(day, "blue")):
                    out[ent][day] = level
        return out

    def _commitments(self, ents: list[str], start: float, end: float) -> list[dict[str, Any]]:
        first: date = day_of(start)
        last: date = day_of(end - 1)
        rows = self.book.standing(first, last + timedelta(days=1), ents)
        return [{"enterprise": s.enterprise, "on_time": s.on_time, "late": s.late, "missing": s.missing} for s in rows]
