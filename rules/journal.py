"""The alarm journal and the persisted alarm table, in the relational store (SQLite / PostgreSQL).

Every transition is one journal row. Records and the states of alarms not in plain normal are
written in the *same transaction* as the journal rows that explain them, so after a crash the
stored states are exactly those the journal ends with: a restart restores them without a gap
and without re-annunciating. Blocking calls: the engine runs them in an executor.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, delete, insert, select, update

from rules.events import AlarmDef, AlarmEvent, AlarmRecord
from rules.state import AlarmState
from scada.store.db import aware
from scada.store.tables import alarm_journal, alarm_records, alarm_states, id_counters

JOURNAL_COLUMNS = (
    "id",
    "at",
    "alarm_id",
    "record_id",
    "enterprise",
    "hazard_source",
    "source",
    "kind",
    "transition",
    "state",
    "priority",
    "message",
    "value",
    "limit_value",
    "user",
    "note",
)


def utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


class AlarmJournal:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def write(self, events: Sequence[AlarmEvent]) -> None:
        if not events:
            return
        rows, records, states = [], {}, {}
        for e in events:
            d = e.alarm
            rows.append(
                {
                    "at": utc(e.at),
                    "alarm_id": d.alarm_id,
                    "record_id": e.record.id if e.record else None,
                    "enterprise": d.enterprise,
                    "hazard_source": d.hazard_source,
                    "source": d.source,
                    "kind": d.kind,
                    "transition": e.transition,
                    "state": e.state.isa,
                    "priority": e.priority,
                    "message": e.message,
                    "value": _jsonable(e.value),
                    "limit_value": e.limit,
                    "user": e.user,
                    "note": e.note,
                    "detail": e.detail,
                }
            )
            if e.record is not None:
                records[e.record.id] = e.record
            states[d.alarm_id] = e
        with self.engine.begin() as conn:
            conn.execute(insert(alarm_journal), rows)
            if records:
                conn.execute(delete(alarm_records).where(alarm_records.c.id.in_(list(records))))
                conn.execute(insert(alarm_records), [_record_row(r) for r in records.values()])
            conn.execute(delete(alarm_states).where(alarm_states.c.alarm_id.in_(list(states))))
            kept = [
                {
                    "alarm_id": a,
                    "definition": asdict(e.alarm),
                    "state": e.state.to_json(),
                    "record_id": e.record.id if e.record and e.record.clear_at is None else None,
                    "since": e.since,
                }
                for a, e in states.items()
                if not e.state.is_default
            ]
            if kept:
                conn.execute(insert(alarm_states), kept)

    def load_active(self) -> list[tuple[AlarmDef, AlarmState, AlarmRecord | None, float]]:
        """The persisted alarm table: definition, state, open record and since-time of each alarm."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(alarm_states)).mappings().all()
            ids = [r["record_id"] for r in rows if r["record_id"] is not None]
            recs = conn.execute(select(alarm_records.c.id, alarm_records.c.data).where(alarm_records.c.id.in_(ids))).all() if ids else []
        by_id = {rid: AlarmRecord(**data) for rid, data in recs}
        return [(AlarmDef(**r["definition"]), AlarmState.from_json(r["state"]), by_id.get(r["record_id"]), float(r["since"])) for r in rows]

    def reserve_record_ids(self, count: int) -> int:
        """The first of ``count`` consecutive record ids reserved for this process (rules/record_ids.py): one
        UPDATE of the counter row, atomic on PostgreSQL (row lock) and SQLite (one writer)."""
        c = id_counters.c
        with self.engine.begin() as conn:
            end = conn.execute(
                update(id_counters).where(c.name == "alarm_records").values(next=c.next + count).returning(c.next)
            ).scalar_one_or_none()
        if end is None:
            raise RuntimeError("the store has no alarm record id counter: run `scada db upgrade` (migration 0010)")
        return int(end) - count

    def query(
        self,
        start: datetime | None = None,
        end: datetime | None = None,
        source: str | None = None,
        enterprises: Iterable[str] | None = None,
        priority: str | None = None,
        state: str | None = None,
        user: str | None = None,
        transition: str | None = None,
        limit: int = 10_000,
    ) -> list[dict[str, Any]]:
        """Journal rows, oldest first; ``source`` may end with ``*`` (a prefix: an equipment, a device)."""
        c = alarm_journal.c
        q = select(alarm_journal).order_by(c.id)
        if start is not None:
            q = q.where(c.at >= start)
        if end is not None:
            q = q.where(c.at < end)
        if source:
            q = q.where(c.source.like(source[:-1].replace("%", r"\%") + "%") if source.endswith("*") else c.source == source)
        if enterprises is not None:
            q = q.where(c.enterprise.in_(list(enterprises)))
        for column, value in ((c.priority, priority), (c.state, state), (c.user, user), (c.transition, transition)):
            if value:
                q = q.where(column == value)
        with self.engine.connect() as conn:
            rows = conn.execute(q.limit(limit)).mappings().all()
        return [{**r, "at": aware(r["at"])} for r in rows]

    def records(self, start: datetime, end: datetime, enterprises: Iterable[str] | None = None) -> list[AlarmRecord]:
        """Records that overlap [start, end): started before the end and not cleared before the start."""
        c = alarm_records.c
        q = select(c.data).where(c.start_at < end, (c.clear_at.is_(None)) | (c.clear_at >= start)).order_by(c.id)
        if enterprises is not None:
            q = q.where(c.enterprise.in_(list(enterprises)))
        with self.engine.connect() as conn:
            return [AlarmRecord(**data) for (data,) in conn.execute(q)]


def _record_row(r: AlarmRecord) -> dict[str, Any]:
    data = {k: _jsonable(v) for k, v in r.to_json().items()}
    return {
        "id": r.id,
        "alarm_id": r.alarm_id,
        "enterprise": r.enterprise,
        "hazard_source": r.hazard_source,
        "source": r.source,
        "kind": r.kind,
        "priority": r.priority,
        "start_at": utc(r.start_at),
        "clear_at": utc(r.clear_at) if r.clear_at is not None else None,
        "clear_type": r.clear_type,
        "missed": r.missed,
        "data": data,
    }
