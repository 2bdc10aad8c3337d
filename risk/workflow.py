"""The warning lifecycle (arts. 13–17): open, push, tasks, deadlines, notices, feedback, close.

A level change from the evaluator opens, closes or escalates warnings; everything a warning
then does is decided by the rules of ``risk.rules`` and carried out here, each event in one
transaction together with its timeline rows and notifications. Timers are rows in
``risk_timers``: ``tick`` fires those due on the injected clock, so pending deadlines survive a
restart (a new instance picks them up; one that fell due while the server was down fires at
the first tick). Blocking calls, serialised by a lock (the HMI calls from its own threads).
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, insert, select, update

from risk import texts
from risk.config import COLOURS, WARNING_COLOURS, ColourFlow, RiskConfig, Timer
from risk.errors import Forbidden, NotFound, RiskError
from risk.notify import Message, Notifier
from risk.rules import WarningRules
from risk.scope import Scope
from scada.config import Plant
from scada.store.tables import risk_attachments, risk_feedback, risk_notices, risk_tasks, risk_timers, risk_warning_events, risk_warnings

log = logging.getLogger(__name__)
FEEDBACK_KINDS = ("verification", "handling")  # 核查情况, 处置情况


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    content_type: str
    data: bytes


@dataclass
class _Ctx:
    """What the rule being run acts on: the open transaction, the time, the warning."""

    conn: Connection
    now: float
    warning: dict[str, Any]
    actor: str = "system"
    detail: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)  # timeline rows, written in one statement
    messages: list[Message] = field(default_factory=list)


class WarningWorkflow:
    def __init__(self, cfg: RiskConfig, plant: Plant, engine: Engine, clock: Callable[[], float], notifier: Notifier) -> None:
        self.wf, self.engine, self.clock, self.notifier = cfg.workflow, engine, clock, notifier
        self.city = plant.site.city.code
        self.enterprises = {e.enterprise.code: e.enterprise for e in plant.enterprises}
        self.rules = WarningRules(self.wf, self)
        self._ctx: _Ctx | None = None
        self._lock = threading.RLock()
        self._next_due: float | None = None  # None: unknown, ask the store at the next tick

    # -- helpers ---------------------------------------------------------------------------------

    @property
    def ctx(self) -> _Ctx:
        assert self._ctx is not None, "rules act only inside a workflow transaction"
        return self._ctx

    def unit(self, tier: str, w: Mapping[str, Any]) -> str | None:
        """The unit of ``tier`` responsible for warning ``w`` (None: an enterprise outside any park has no park)."""
        code = {"city": self.city, "district": w["district"], "park": w["park"], "enterprise": w["enterprise"]}[tier]
        return f"{tier}:{code}" if code else None

    def name(self, w: Mapping[str, Any]) -> str:
        ent = self.enterprises.get(w["enterprise"])
        return ent.name if ent else w["enterprise"]

    def label(self, kind: str) -> str:
        return self.wf.task_labels.get(kind, kind)

    def _event(self, what: str, unit: str = "", /, **detail: Any) -> None:
        c = self.ctx
        c.events.append({"warning_id": c.warning["id"], "at": c.now, "kind": what, "actor": c.actor, "unit": unit, "detail": detail})

    def _notify(self, unit: str, kind: str, subject: str, body: str, sound: bool) -> None:
        c = self.ctx
        c.messages.append(Message(unit, kind, subject, body, c.warning["id"], sound))

    def _task(self, unit: str, kind: str, **detail: Any) -> int:
        c = self.ctx
        row = {
            "warning_id": c.warning["id"],
            "unit": unit,
            "kind": kind,
            "created_at": c.now,
            "status": "open",
            "note": "",
            "detail": detail,
        }
        task_id = int(c.conn.execute(insert(risk_tasks).returning(risk_tasks.c.id), row).scalar_one())
        self._event("task", unit, task_id=task_id, task=kind, label=self.label(kind), **detail)
        return task_id

    def _tasks(self, tasks: Mapping[str, list[str]], notify: bool) -> dict[str, list[str]]:
        """Create the tasks of each tier; returns unit → task labels."""
        w, created = self.ctx.warning, {}
        for tier, kinds in tasks.items():
            unit = self.unit(tier, w)
            if unit is None:
                continue
            for k in kinds:
                self._task(unit, k)
            created[unit] = [self.label(k) for k in kinds]
            if notify:
                for k in kinds:
                    self._notify(unit, "task", texts.task_subject(w, self.name(w), self.label(k)), self.label(k), sound=True)
        return created

    def _arm(self, name: str, after_s: float) -> None:
        c = self.ctx
        due = c.now + after_s
        row = {"warning_id": c.warning["id"], "name": name, "colour": c.warning["colour"], "due_at": due, "status": "pending"}
        c.conn.execute(insert(risk_timers), row)
        self._event("timer_armed", "", timer=name, due_at=due)
        if self._next_due is not None:  # unknown stays unknown: the next tick asks the store
            self._next_due = min(self._next_due, due)

    @contextmanager
    def _acting(self, conn: Connection, now: float, warning: Mapping[str, Any], actor: str = "system", **detail: Any) -> Iterator[_Ctx]:
        ctx = self._ctx = _Ctx(conn, now, dict(warning), actor, detail)
        try:
            yield ctx
        finally:
            self._ctx = None
        # Batched: a warning's pushes, tasks and timers cost a few statements, not one per row.
        if ctx.events:
            conn.execute(insert(risk_warning_events), ctx.events)
        self.notifier.enqueue(conn, ctx.messages, now)

    def _record(
        self, conn: Connection, now: float, warning: Mapping[str, Any], actor: str, what: str, unit: str = "", /, **detail: Any
    ) -> None:
        with self._acting(conn, now, warning, actor):
            self._event(what, unit, **detail)

    def _run(
        self, conn: Connection, now: float, warning: Mapping[str, Any], event: dict[str, Any], actor: str = "system", **detail: Any
    ) -> bool:
        with self._acting(conn, now, warning, actor, **detail):
            return self.rules.post({**event, "wid": warning["id"], "colour": warning["colour"]})

    # -- steps (called by the rules) ------------------------------------------------------------

    def raised(self, flow: ColourFlow) -> None:
        w = self.ctx.warning
        self._event(
            "raised", self.unit("enterprise", w) or "", colour=w["colour"], deadline_at=w["deadline_at"], evaluation_id=w["evaluation_id"]
        )
        tasks = self._tasks(flow.tasks, notify=False)
        for tier in flow.push:
            unit = self.unit(tier, w)
            if unit is None:
                continue
            self._event("pushed", unit, tier=tier)
            body = texts.warning_body(w, self.name(w), tasks.get(unit, []))
            self._notify(unit, "warning", texts.warning_subject(w, self.name(w)), body, sound=True)
        self._arm("deadline", flow.deadline_s)
        for timer in flow.timers:
            self._arm(timer.name, timer.after_s)

    def timer_tasks(self, timer: Timer) -> None:
        self._tasks(timer.tasks, notify=True)

    def overdue(self, flow: ColourFlow) -> None:
        c, od = self.ctx, flow.overdue
        w = c.warning
        c.conn.execute(update(risk_warnings).where(risk_warnings.c.id == w["id"]).values(overdue=True))
        self._event("overdue", "", deadline_at=w["deadline_at"])
        issuer, recipient = self.unit(od.notice.issuer, w), self.unit(od.notice.recipient, w)
        assert issuer is not None and recipient is not None, "notices go between city, district and enterprise, which always exist"
        labels = [f"{texts.TIER_ZH[tier]}：{self.label(k)}" for tier, kinds in od.tasks.items() for k in kinds]
        if od.interview:
            labels.append(f"{texts.TIER_ZH[od.interview.by]}：{self.label('interview')}")
        self._notice(
            issuer,
            recipient,
            texts.notice_title(w, self.name(w)),
            self._notice_text(w, od.notice.issuer, od.notice.recipient, labels),
            "system",
        )
        self._tasks(od.tasks, notify=True)
        if od.interview:
            by = self.unit(od.interview.by, w)
            assert by is not None
            ent = self.enterprises.get(w["enterprise"])
            interviewee = ent.principal.name if ent else ""
            task_id = self._task(by, "interview", interviewee=interviewee)
            self._event("interview", by, task_id=task_id, interviewee=interviewee, enterprise=w["enterprise"])
            self._notify(
                by, "task", texts.task_subject(w, self.name(w), self.label("interview")), f"{self.label('interview')}：{interviewee}", True
            )

    def _notice_text(self, w: Mapping[str, Any], issuer: str, recipient: str, labels: list[str]) -> str:
        rec = texts.TIER_ZH[recipient] if recipient != "enterprise" else self.name(w)
        return texts.notice_text(dict(w), self.name(w), texts.TIER_ZH[issuer], rec, labels)

    def _notice(self, issuer: str, recipient: str, title: str, text: str, by: str) -> int:
        c = self.ctx
        row = {
            "warning_id": c.warning["id"],
            "issued_at": c.now,
            "issuer": issuer,
            "recipient": recipient,
            "title": title,
            "text": text,
            "issued_by": by,
        }
        notice_id = int(c.conn.execute(insert(risk_notices).returning(risk_notices.c.id), row).scalar_one())
        self._event("notice", recipient, notice_id=notice_id, issuer=issuer, recipient=recipient, title=title)
        self._notify(recipient, "notice", title, text, sound=True)
        return notice_id

    def report(self, flow: ColourFlow) -> None:
        c = self.ctx
        w, fb = c.warning, c.detail
        units = [u for u in (self.unit(t, w) for t in flow.report_to) if u]
        c.conn.execute(update(risk_feedback).where(risk_feedback.c.id == fb["feedback_id"]).values(reported_to=units))
        for unit in units:
            self._event("reported", unit, feedback_id=fb["feedback_id"], kind=fb["kind"])
            self._notify(unit, "report", texts.report_subject(w, self.name(w), fb["kind"]), fb["text"], sound=False)
        if fb["kind"] == "verification":  # the enterprise's on-site verification is done with its report
            t = risk_tasks.c
            ent = self.unit("enterprise", w)
            done = {"status": "done", "done_at": c.now, "done_by": c.actor, "note": f"feedback #{fb['feedback_id']}"}
            c.conn.execute(
                update(risk_tasks)
                .where(t.warning_id == w["id"], t.unit == ent, t.kind == "onsite_verify", t.status == "open")
                .values(**done)
            )

    def emergency(self) -> None:
        c = self.ctx
        w = c.warning
        c.conn.execute(update(risk_warnings).where(risk_warnings.c.id == w["id"]).values(accident=True))
        ent = self.unit("enterprise", w) or ""
        task_id = self._task(ent, "emergency_response", feedback_id=c.detail["feedback_id"])
        self._event("emergency_plan", ent, task_id=task_id, feedback_id=c.detail["feedback_id"])
        for unit in self._pushed(w):
            self._notify(unit, "emergency", texts.emergency_subject(w, self.name(w)), c.detail["text"], sound=True)

    def closed(self) -> None:
        c = self.ctx
        w = c.warning
        t = risk_timers.c
        cancelled = c.conn.execute(
            update(risk_timers).where(t.warning_id == w["id"], t.status == "pending").values(status="cancelled")
        ).rowcount
        if cancelled:
            self._event("timers_cancelled", "", count=cancelled)
        for unit in self._pushed(w):
            self._notify(unit, "closed", texts.closed_subject(w, self.name(w), c.detail["reason"]), c.detail["reason"], sound=False)

    def _pushed(self, w: Mapping[str, Any]) -> list[str]:
        return [u for u in (self.unit(t, w) for t in self.wf.flow(w["colour"]).push) if u]

    # -- entry points ---------------------------------------------------------------------------

    def apply_level(self, enterprise: str, level: str, at: float, evaluation_id: int | None = None) -> list[int]:
        """Bring the enterprise's warnings in line with its level: open, close (lowered) or escalate.
        Idempotent, so it also reconciles after a crash between storing a level and acting on it.
        Returns the ids of warnings opened."""
        return self.apply_levels([(enterprise, level, at, evaluation_id)])

    def apply_levels(self, changes: Iterable[tuple[str, str, float, int | None]]) -> list[int]:
        """``apply_level`` for many enterprises in one transaction (an evaluation round)."""
        opened: list[int] = []
        with self._lock, self.engine.begin() as conn:
            for enterprise, level, at, evaluation_id in changes:
                if enterprise in self.enterprises:
                    opened += self._apply(conn, enterprise, level, at, evaluation_id)
        return opened

    def _apply(self, conn: Connection, enterprise: str, level: str, at: float, evaluation_id: int | None) -> list[int]:
        c = risk_warnings.c
        w = conn.execute(select(risk_warnings).where(c.enterprise == enterprise, c.status == "open")).mappings().first()
        rank = COLOURS.index(level)
        if w is not None:
            old = COLOURS.index(w["colour"])
            if rank == old:
                return []
            reason = "lowered" if rank < old else "escalated"
            values = {"status": "closed", "closed_at": at, "close_reason": reason, "level_after": level}
            conn.execute(update(risk_warnings).where(c.id == w["id"]).values(**values))
            detail = {"reason": reason, "level_after": level, "on_time": at <= w["deadline_at"], "evaluation_id": evaluation_id}
            self._record(conn, at, w, "system", "closed", **detail)
            self._run(conn, at, w, {"t": "closed"}, reason=reason)
        if level not in WARNING_COLOURS:
            return []
        return [self._open(conn, enterprise, level, at, evaluation_id)]

    def _open(self, conn: Connection, enterprise: str, level: str, at: float, evaluation_id: int | None) -> int:
        ent = self.enterprises[enterprise]
        flow = self.wf.flow(level)
        row = {
            "enterprise": enterprise,
            "district": ent.district,
            "park": ent.park,
            "colour": level,
            "status": "open",
            "raised_at": at,
            "deadline_at": at + flow.deadline_s,
            "overdue": False,
            "accident": False,
            "evaluation_id": evaluation_id,
        }
        wid = int(conn.execute(insert(risk_warnings).returning(risk_warnings.c.id), row).scalar_one())
        self._run(conn, at, {**row, "id": wid}, {"t": "raised"})
        log.info("warning opened", extra={"ctx": {"id": wid, "enterprise": enterprise, "colour": level}})
        return wid

    def pending_timers(self) -> int:
        """Re-arm after a restart: the timers still pending in the store (they fire from the next tick)."""
        with self.engine.connect() as conn:
            t = risk_timers.c
            count, due = conn.execute(select(func.count(), func.min(t.due_at)).where(t.status == "pending")).one()
        self._next_due = math.inf if due is None else float(due)
        return int(count)

    def tick(self, now: float | None = None) -> int:
        """Fire every timer due by ``now``; returns how many fired."""
        now = self.clock() if now is None else now
        if self._next_due is not None and now < self._next_due:
            return 0
        fired = 0
        with self._lock:
            t = risk_timers.c
            with self.engine.connect() as conn:
                due = (
                    conn.execute(select(risk_timers).where(t.status == "pending", t.due_at <= now).order_by(t.due_at, t.id))
                    .mappings()
                    .all()
                )
            for timer in due:
                fired += self._fire(timer, now)
            self.pending_timers()
        return fired

    def _fire(self, timer: Mapping[str, Any], now: float) -> int:
        with self.engine.begin() as conn:
            t = risk_timers.c
            claimed = conn.execute(
                update(risk_timers).where(t.id == timer["id"], t.status == "pending").values(status="fired", fired_at=now)
            )
            if not claimed.rowcount:
                return 0  # fired or cancelled meanwhile
            w = conn.execute(select(risk_warnings).where(risk_warnings.c.id == timer["warning_id"])).mappings().one()
            if w["status"] != "open":
                return 0
            self._record(conn, now, w, "system", "timer_fired", timer=timer["name"], due_at=timer["due_at"])
            if not self._run(conn, now, w, {"t": "timer", "name": timer["name"]}):
                log.warning("timer %s of warning %s matches no rule (removed from risk.yaml?)", timer["name"], w["id"])
        return 1

    # -- actions of users -----------------------------------------------------------------------

    def _warning(self, conn: Connection, scope: Scope, warning_id: int) -> Mapping[str, Any]:
        w = conn.execute(select(risk_warnings).where(risk_warnings.c.id == warning_id)).mappings().first()
        if w is None or not scope.sees(w):
            raise NotFound(f"no warning {warning_id} in scope {scope}")
        return w

    def feedback(
        self,
        scope: Scope,
        warning_id: int,
        by: str,
        kind: str,
        text: str,
        accident: bool = False,
        attachments: Iterable[Attachment] = (),
    ) -> int:
        """The enterprise reports its verification or handling (with attachments); returns the feedback id."""
        if kind not in FEEDBACK_KINDS:
            raise RiskError(f"feedback kind must be {' or '.join(FEEDBACK_KINDS)}, not {kind!r}")
        if not text.strip():
            raise RiskError("feedback needs a text saying what was found or done")
        files = list(attachments)
        for a in files:
            if len(a.data) > self.wf.max_attachment_bytes:
                raise RiskError(f"attachment {a.name!r} is {len(a.data)} bytes; the limit is {self.wf.max_attachment_bytes}")
        now = self.clock()
        with self._lock, self.engine.begin() as conn:
            w = self._warning(conn, scope, warning_id)
            if scope.tier != "enterprise":
                raise Forbidden("only the enterprise reports verification and handling")
            row = {"warning_id": warning_id, "at": now, "by": by, "kind": kind, "text": text, "accident": accident, "reported_to": []}
            fid = int(conn.execute(insert(risk_feedback).returning(risk_feedback.c.id), row).scalar_one())
            meta = []
            for a in files:
                digest = hashlib.sha256(a.data).hexdigest()
                arow = {"feedback_id": fid, "warning_id": warning_id, "name": a.name, "content_type": a.content_type}
                aid = conn.execute(
                    insert(risk_attachments).returning(risk_attachments.c.id),
                    {**arow, "size": len(a.data), "sha256": digest, "content": a.data},
                )
                meta.append({"id": int(aid.scalar_one()), "name": a.name, "size": len(a.data), "sha256": digest})
            self._record(
                conn, now, w, by, "feedback", scope.unit, feedback_id=fid, kind=kind, text=text, accident=accident, attachments=meta
            )
            self._run(conn, now, w, {"t": "feedback", "accident": accident}, by, feedback_id=fid, kind=kind, text=text)
        return fid

    def complete_task(self, scope: Scope, task_id: int, by: str, note: str = "") -> None:
        """Mark a task of the caller's own unit done (an interview task's note is the interview record)."""
        now = self.clock()
        with self._lock, self.engine.begin() as conn:
            task = conn.execute(select(risk_tasks).where(risk_tasks.c.id == task_id)).mappings().first()
            if task is None:
                raise NotFound(f"no task {task_id}")
            w = self._warning(conn, scope, task["warning_id"])
            if task["unit"] != scope.unit:
                raise Forbidden(f"task {task_id} belongs to {task['unit']}, not {scope.unit}")
            if task["status"] == "done":
                raise RiskError(f"task {task_id} is already done")
            conn.execute(update(risk_tasks).where(risk_tasks.c.id == task_id).values(status="done", done_at=now, done_by=by, note=note))
            self._record(conn, now, w, by, "task_done", scope.unit, task_id=task_id, task=task["kind"], note=note)

    def issue_notice(self, scope: Scope, warning_id: int, recipient: str, title: str, text: str, by: str) -> int:
        """A warning notice issued by hand: from the caller's unit to a unit below it in the warning's chain."""
        now = self.clock()
        with self._lock, self.engine.begin() as conn:
            w = self._warning(conn, scope, warning_id)
            chain = [u for u in (self.unit(t, w) for t in ("city", "district", "park", "enterprise")) if u]
            if scope.unit not in chain or recipient not in chain or chain.index(recipient) <= chain.index(scope.unit):
                raise Forbidden(f"{scope.unit} cannot issue a notice to {recipient} about warning {warning_id}")
            with self._acting(conn, now, w, by):
                return self._notice(scope.unit, recipient, title, text, by)

    def read_notice(self, scope: Scope, notice_id: int, by: str) -> None:
        now = self.clock()
        with self._lock, self.engine.begin() as conn:
            n = conn.execute(select(risk_notices).where(risk_notices.c.id == notice_id)).mappings().first()
            if n is None or n["recipient"] != scope.unit:
                raise NotFound(f"no notice {notice_id} addressed to {scope.unit}")
            if n["read_at"] is not None:
                return
            conn.execute(update(risk_notices).where(risk_notices.c.id == notice_id).values(read_at=now, read_by=by))
            if n["warning_id"] is not None:
                w = conn.execute(select(risk_warnings).where(risk_warnings.c.id == n["warning_id"])).mappings().one()
                self._record(conn, now, w, by, "notice_read", scope.unit, notice_id=notice_id)
