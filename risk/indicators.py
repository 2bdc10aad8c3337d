"""The dynamic indicators of art. 11 per enterprise, from alarm records, over each indicator's window.

Records are grouped by enterprise once and every window's KPIs come from ``rules.kpi.compute``
(the same figures ``scada alarm-kpi`` prints), so an enterprise's indicators cost a pass over its
own records — not a scan of the whole city per enterprise, which ``rules.kpi.select`` would do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable

from sqlalchemy import Engine, select

from risk.config import Evaluation
from rules.config import KpiSettings
from rules.events import AlarmRecord
from rules.journal import utc
from rules.kpi import Kpis, compute
from scada.config import Plant
from scada.store.db import aware
from scada.store.tables import alarm_records


def kpi_records(engine: Engine, start: float, end: float) -> list[AlarmRecord]:
    """Alarm records overlapping [start, end) carrying only what the KPIs use, read from columns.

    The journal's ``records`` decodes each record's JSON document (values, limits, statuses); the
    KPIs need none of that, and a city's half hour of records is read every minute.
    """
    c = alarm_records.c
    cols = (c.id, c.alarm_id, c.source, c.kind, c.enterprise, c.hazard_source, c.priority, c.start_at, c.clear_at, c.clear_type, c.missed)
    q = select(*cols).where(c.start_at < utc(end), c.clear_at.is_(None) | (c.clear_at >= utc(start)))
    out = []
    with engine.connect() as conn:
        for rid, alarm_id, source, kind, ent, hs, priority, start_at, clear_at, clear_type, missed in conn.execute(q):
            t0 = aware(start_at).timestamp()
            t1 = aware(clear_at).timestamp() if clear_at is not None else None
            status = "" if t1 is not None else None
            out.append(
                AlarmRecord(
                    rid,
                    alarm_id,
                    source,
                    kind,
                    ent,
                    hs,
                    priority,
                    "",
                    "",
                    status,
                    t0,
                    None,
                    None,
                    t0,
                    None,
                    None,
                    t1,
                    None,
                    None,
                    clear_type,
                    bool(missed),
                )
            )
    return out


def point_counts(plant: Plant) -> dict[str, int]:
    return dict(Counter(p.enterprise.code for p in plant.points))


def by_enterprise(records: Iterable[AlarmRecord]) -> dict[str, list[AlarmRecord]]:
    out: dict[str, list[AlarmRecord]] = defaultdict(list)
    for r in records:
        out[r.enterprise].append(r)
    return out


def raw_indicators(records: list[AlarmRecord], points: int, now: float, cfg: Evaluation, kpi: KpiSettings) -> dict[str, float | None]:
    """Each configured indicator's raw value over its own window ending ``now``."""
    per_window: dict[float, Kpis] = {}
    values: dict[str, float | None] = {}
    for name, ind in cfg.indicators.items():
        k = per_window.get(ind.window_s)
        if k is None:
            start = now - ind.window_s
            inside = [r for r in records if r.start_at < now and (r.clear_at is None or r.clear_at >= start)]
            k = per_window[ind.window_s] = compute(inside, start, now, points, kpi)
        value = getattr(k, name)  # indicator names are the KPI fields that hold them
        values[name] = None if value is None else float(value)
    return values
