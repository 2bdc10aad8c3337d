"""The audit trail seen from governance (art. 23): every state-changing action with user, tier unit, time,
target and result, and its search by administrators of the right tier.

Records go to ``audit_events`` (``scada.store.AuditLog``); this module adds the tier unit, role and result
to ``detail`` and records refused actions too, so a request leaves exactly one record whatever its outcome.
A search is scoped: the city administrator sees everything, a district/park/enterprise administrator the
records of its own units and of enterprises inside it. Exports of the audit trail are audited themselves.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select

from governance.actor import Actor
from governance.errors import GovernanceError
from scada.store import AuditEvent, AuditLog
from scada.store.db import aware
from scada.store.tables import audit_events

T = TypeVar("T")
COLUMNS = ("id", "at", "actor", "unit", "role", "action", "target", "result", "message")


class Auditor:
    def __init__(self, log: AuditLog) -> None:
        self.log = log

    def record(self, actor: Actor, action: str, target: str, result: str = "ok", message: str = "", **detail: Any) -> int:
        body = {"unit": actor.unit, "role": actor.role, "result": result, **detail}
        if message:
            body["message"] = message
        return self.log.record(AuditEvent(actor.user, action, target, body))

    def act(self, actor: Actor, action: str, target: str, fn: Callable[[], T], **detail: Any) -> T:
        """Run ``fn`` and leave one audit record of it: ``ok``, or ``refused`` with the reason (then re-raise)."""
        try:
            out = fn()
        except GovernanceError as exc:
            self.record(actor, action, target, "refused", str(exc), **detail)
            raise
        except Exception as exc:
            self.record(actor, action, target, "error", f"{exc.__class__.__name__}: {exc}", **detail)
            raise
        self.record(actor, action, target, "ok", **detail)
        return out

    def _visible(self, actor: Actor, row: dict[str, Any]) -> bool:
        if actor.tier == "city":
            return True
        detail = row["detail"] or {}
        unit = str(detail.get("unit") or detail.get("scope") or "")
        if unit == actor.unit:
            return True
        ent = unit.split(":", 1)[1] if unit.startswith("enterprise:") else str(row["target"]).split(".", 1)[0].split(":", 1)[0]
        return actor.sees(ent)

    def search(
        self,
        actor: Actor,
        start: datetime | None = None,
        end: datetime | None = None,
        user: str | None = None,
        action: str | None = None,
        target: str | None = None,
        limit: int = 500,
    ) -> list[dict[str, Any]]:
        actor.require(actor.role in ("administrator", "system"), "searching the audit trail (administrators do)")
        c = audit_events.c
        q = select(audit_events).order_by(c.id.desc())
        if start is not None:
            q = q.where(c.at >= start)
        if end is not None:
            q = q.where(c.at < end)
        if user:
            q = q.where(c.actor == user)
        if action:
            q = q.where(c.action.like(action[:-1] + "%") if action.endswith("*") else c.action == action)
        if target:
            q = q.where(c.target.like(target[:-1] + "%") if target.endswith("*") else c.target == target)
        out: list[dict[str, Any]] = []
        with self.engine.connect() as conn:
            for r in conn.execute(q.limit(max(limit * 4, 1000))).mappings():
                row = dict(r)
                if self._visible(actor, row):
                    out.append(_flat(row))
                    if len(out) >= limit:
                        break
        return out

    @property
    def engine(self):  # type: ignore[no-untyped-def]
        return self.log.engine

    @staticmethod
    def to_csv(rows: list[dict[str, Any]]) -> str:
        buf = io.StringIO()
        w = csv.DictWriter(buf, COLUMNS, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    detail = row["detail"] or {}
    return {
        "id": row["id"],
        "at": aware(row["at"]).isoformat(),
        "actor": row["actor"],
        "unit": detail.get("unit") or detail.get("scope") or "",
        "role": detail.get("role", ""),
        "action": row["action"],
        "target": row["target"],
        "result": detail.get("result", "ok"),
        "message": detail.get("message", "") or row["note"],
        "detail": detail,
    }
