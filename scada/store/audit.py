"""The audit trail (regulation art. 23: every action is traceable): append-only records."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert, select

from scada.store.db import aware
from scada.store.tables import audit_events


@dataclass(frozen=True, slots=True)
class AuditEvent:
    actor: str
    action: str
    target: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    note: str = ""
    at: datetime | None = None
    id: int | None = None


class AuditLog:
    """Append and read audit events. Blocking (synchronous database calls): call from an executor in async code."""

    def __init__(self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self._clock = clock

    def record(self, event: AuditEvent) -> int:
        at = event.at or self._clock()
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(audit_events).values(
                    at=at, actor=event.actor, action=event.action, target=event.target, detail=event.detail, note=event.note
                )
            )
            return int(result.inserted_primary_key[0])

    def recent(self, limit: int = 100, target: str | None = None) -> list[AuditEvent]:
        query = select(audit_events).order_by(audit_events.c.id.desc()).limit(limit)
        if target is not None:
            query = query.where(audit_events.c.target == target)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [AuditEvent(r["actor"], r["action"], r["target"], r["detail"], r["note"], aware(r["at"]), r["id"]) for r in rows]
