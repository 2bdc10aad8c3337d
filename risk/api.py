"""The Python API the HMI and the CLI use: levels, warnings with their timeline, feedback, tasks,
notices and the in-app feed — every call scoped by the caller's tier (``risk.scope.Scope``).

Reads go straight to the store; actions go through the workflow, so a feedback or a notice
issued from here runs the same rules as one raised by the server. Results are JSON-ready dicts
(times in POSIX seconds). Blocking calls.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, or_, select

from risk.errors import NotFound
from risk.levels import LevelStore
from risk.notify import Notifier
from risk.scope import Scope
from risk.workflow import WarningWorkflow
from scada.config import Plant
from scada.store.tables import (
    risk_attachments,
    risk_evaluations,
    risk_feedback,
    risk_notices,
    risk_tasks,
    risk_warning_events,
    risk_warnings,
)

BLUE_NOTE = "重大危险源固有低风险：企业强化管理，区应急管理部门和园区管理机构关注"  # art. 14


class WarningApi:
    def __init__(self, plant: Plant, engine: Engine, workflow: WarningWorkflow, notifier: Notifier) -> None:
        self.plant, self.engine, self.workflow, self.notifier = plant, engine, workflow, notifier
        self.level_store = LevelStore(engine)
        self.units = {e.enterprise.code: e.enterprise for e in plant.enterprises}
        # Actions are the workflow's own (it checks the scope and runs the rules).
        self.feedback = workflow.feedback
        self.complete_task = workflow.complete_task
        self.issue_notice = workflow.issue_notice
        self.read_notice = workflow.read_notice

    def _enterprises(self, scope: Scope) -> list[str]:
        return [c for c, e in self.units.items() if scope.sees({"enterprise": c, "district": e.district, "park": e.park})]

    # -- levels and evaluations ------------------------------------------------------------------

    def levels(self, scope: Scope) -> list[dict[str, Any]]:
        """The current level of every enterprise in scope (blue included: low inherent risk, watched by district and park)."""
        out = []
        for row in self.level_store.levels(self._enterprises(scope)):
            e = self.units[row["enterprise"]]
            note = BLUE_NOTE if row["level"] == "blue" else ""
            out.append({**row, "name": e.name, "district": e.district, "park": e.park, "note": note})
        return out

    def evaluations(self, scope: Scope, enterprise: str, limit: int = 20, changes_only: bool = False) -> list[dict[str, Any]]:
        if enterprise not in self._enterprises(scope):
            raise NotFound(f"no enterprise {enterprise} in scope {scope}")
        return self.level_store.history(enterprise, limit, changes_only)

    # -- warnings --------------------------------------------------------------------------------

    def warnings(
        self,
        scope: Scope,
        status: str | None = None,
        colour: str | None = None,
        enterprise: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int = 200,
    ) -> list[dict[str, Any]]:
        """Warnings in scope, newest first, filtered."""
        c = risk_warnings.c
        q = select(risk_warnings).order_by(c.raised_at.desc(), c.id.desc()).limit(limit)
        if scope.tier != "city":
            q = q.where(getattr(c, scope.tier) == scope.code)
        for column, value in ((c.status, status), (c.colour, colour), (c.enterprise, enterprise)):
            if value:
                q = q.where(column == value)
        if since is not None:
            q = q.where(c.raised_at >= since)
        if until is not None:
            q = q.where(c.raised_at < until)
        with self.engine.connect() as conn:
            return [self._summary(r) for r in conn.execute(q).mappings()]

    def _summary(self, r: Any) -> dict[str, Any]:
        e = self.units.get(r["enterprise"])
        return {**r, "name": e.name if e else r["enterprise"]}

    def warning(self, scope: Scope, warning_id: int) -> dict[str, Any]:
        """One warning with its timeline, tasks, notices, feedback (attachment metadata) and the evaluation that raised it."""
        with self.engine.connect() as conn:
            w = conn.execute(select(risk_warnings).where(risk_warnings.c.id == warning_id)).mappings().first()
            if w is None or not scope.sees(w):
                raise NotFound(f"no warning {warning_id} in scope {scope}")

            def rows(table: Any, *order: Any) -> list[dict[str, Any]]:
                return [dict(r) for r in conn.execute(select(table).where(table.c.warning_id == warning_id).order_by(*order)).mappings()]

            events = rows(risk_warning_events, risk_warning_events.c.id)
            tasks = rows(risk_tasks, risk_tasks.c.id)
            notices = rows(risk_notices, risk_notices.c.id)
            feedback = rows(risk_feedback, risk_feedback.c.id)
            a = risk_attachments.c
            files = conn.execute(
                select(a.id, a.feedback_id, a.name, a.content_type, a.size, a.sha256).where(a.warning_id == warning_id)
            ).mappings()
            by_feedback: dict[int, list[dict[str, Any]]] = {}
            for f in files:
                by_feedback.setdefault(f["feedback_id"], []).append(dict(f))
            evaluation = None
            if w["evaluation_id"] is not None:
                ev = conn.execute(select(risk_evaluations).where(risk_evaluations.c.id == w["evaluation_id"])).mappings().first()
                evaluation = dict(ev) if ev else None
        for f in feedback:
            f["attachments"] = by_feedback.get(f["id"], [])
        return {**self._summary(w), "timeline": events, "tasks": tasks, "notices": notices, "feedback": feedback, "evaluation": evaluation}

    def attachment(self, scope: Scope, attachment_id: int) -> tuple[str, str, bytes]:
        """(name, content type, content) of a feedback attachment."""
        with self.engine.connect() as conn:
            a = conn.execute(select(risk_attachments).where(risk_attachments.c.id == attachment_id)).mappings().first()
            w = conn.execute(select(risk_warnings).where(risk_warnings.c.id == a["warning_id"])).mappings().first() if a else None
        if a is None or w is None or not scope.sees(w):
            raise NotFound(f"no attachment {attachment_id} in scope {scope}")
        return a["name"], a["content_type"], bytes(a["content"])

    # -- tasks and notices -----------------------------------------------------------------------

    def tasks(self, scope: Scope, status: str | None = "open") -> list[dict[str, Any]]:
        """The tasks of the caller's own unit."""
        c = risk_tasks.c
        q = select(risk_tasks).where(c.unit == scope.unit).order_by(c.id)
        if status:
            q = q.where(c.status == status)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def notices(self, scope: Scope, unread_only: bool = False) -> list[dict[str, Any]]:
        """Notices the caller's unit issued or received; the city sees them all."""
        c = risk_notices.c
        q = select(risk_notices).order_by(c.id.desc())
        if scope.tier != "city":
            q = q.where(or_(c.recipient == scope.unit, c.issuer == scope.unit))
        if unread_only:
            q = q.where(c.read_at.is_(None), c.recipient == scope.unit)
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    # -- in-app feed -------------------------------------------------------------------------------

    def feed(self, scope: Scope, unseen_only: bool = False, limit: int = 100) -> list[dict[str, Any]]:
        """The unit's in-app notifications; ``sound`` is true on warnings and notices not yet seen."""
        return self.notifier.feed([scope.unit], unseen_only, limit)

    def mark_seen(self, scope: Scope, ids: list[int], by: str) -> int:
        return self.notifier.mark_seen(ids, [scope.unit], by)
