"""Change requests and their review 审核 — the only way an engineer's edit reaches the running configuration.

An enterprise (or park) engineer's change goes to the district of its enterprise for review; a district
or city engineer's change to its own scope takes effect when a second engineer of that same tier node
approves it. Every rule is checked here, on the server, for every request: the role (engineer), the
scope (the enterprises an edit touches; shared files — site, templates, alarms.yaml — need the city),
who reviews (tier and node), and that the reviewer is not the submitter. Each step is audited.
Approval re-applies the operations to the tree as it is then, validates, and applies through the
same path as a reload, which keeps the result as a version.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select, update

from engineering.edits import Op, apply_ops, touched_enterprises
from engineering.tree import Files, check_files, read_tree, tree_hash
from engineering.versions import Version, Versions, unified_diff
from engineering.yamltext import EditError
from scada.config import ConfigError, Plant
from scada.store import AuditEvent, AuditLog
from scada.store.tables import engineering_changes as C

KINDS = ("edit", "sheet", "restore")
Applier = Callable[[Files, str, str, int | None], Version]  # (files, actor, reason, change id) → the version kept


class ReviewError(Exception):
    """A request the workflow refuses; ``status`` is the HTTP status the API answers with."""

    def __init__(self, status: int, message: str, errors: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.errors = status, message, errors or []


@dataclass(frozen=True)
class Engineer:
    """Who acts: the signed-in account and its scope as the server computed it."""

    username: str
    role: str
    tier: str
    scope_code: str
    enterprises: frozenset[str]


@dataclass
class Preview:
    files: Files | None
    diff: str = ""
    enterprises: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    base_hash: str = ""

    @property
    def ok(self) -> bool:
        return not self.errors and self.files is not None


class Changes:
    def __init__(
        self,
        engine: Engine,
        root: Path,
        plant_of: Callable[[], Plant],
        apply: Applier,
        versions: Versions | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.engine, self.root, self.plant_of, self.apply, self.clock = engine, Path(root), plant_of, apply, clock
        self.versions = versions or Versions(engine, clock)
        self.audit = AuditLog(engine)
        self._lock = threading.Lock()  # one approval applies at a time

    # -- preview --------------------------------------------------------------------------------

    def preview(self, ops: list[Op]) -> Preview:
        """The tree after ``ops``, its diff, the enterprises it touches and every validation error (never raises)."""
        before = read_tree(self.root)
        out = Preview(None, base_hash=tree_hash(before))
        if not isinstance(ops, list) or not ops:
            out.errors.append("nothing to change: give at least one operation")
            return out
        try:
            files = before
            for op in ops:
                files = self._restore(op) if isinstance(op, dict) and op.get("op") == "restore" else apply_ops(files, self.plant_of(), [op])
        except (EditError, ValueError, TypeError) as exc:
            out.errors.append(str(exc))
            return out
        out.diff = unified_diff(before, files)
        out.enterprises = touched_enterprises(before, files)
        if not out.diff:
            out.errors.append("nothing changes: the configuration already has these values")
            return out
        try:
            check_files(self.root, files)
        except ConfigError as exc:
            out.errors = [str(i) for i in exc.issues]
            return out
        out.files = files
        return out

    def _restore(self, op: Op) -> Files:
        version = self.versions.get(int(op.get("version", 0)))
        if version is None:
            raise EditError(f"no configuration version {op.get('version')!r}")
        return dict(version.files)

    # -- the workflow ---------------------------------------------------------------------------

    def submit(self, who: Engineer, kind: str, ops: list[Op], reason: str) -> dict[str, Any]:
        self._engineer(who)
        if kind not in KINDS:
            raise ReviewError(422, f"unknown kind {kind!r} ({', '.join(KINDS)})")
        if not (reason or "").strip():
            raise ReviewError(422, "a reason is required 请填写变更原因")
        preview = self.preview(ops)
        if not preview.ok:
            raise ReviewError(422, "the change does not validate", preview.errors)
        self._in_scope(who, preview.enterprises)
        tier, scope = self._review_target(who, preview.enterprises)
        row = {
            "kind": kind,
            "status": "pending",
            "submitter": who.username,
            "submitter_tier": who.tier,
            "submitter_scope": who.scope_code,
            "review_tier": tier,
            "review_scope": scope,
            "enterprises": sorted(preview.enterprises),
            "reason": reason.strip(),
            "ops": ops,
            "diff": preview.diff,
            "base_hash": preview.base_hash,
            "created_at": self.clock(),
        }
        with self.engine.begin() as conn:
            cid = int(conn.execute(insert(C).values(**row)).inserted_primary_key[0])
        detail = {"kind": kind, "enterprises": row["enterprises"], "review": f"{tier}:{scope}", "ops": ops}
        self.audit.record(AuditEvent(who.username, "engineering.submitted", f"change:{cid}", detail, row["reason"]))
        return self.get(who, cid)

    def approve(self, who: Engineer, change_id: int, note: str = "") -> dict[str, Any]:
        with self._lock:
            row = self._reviewable(who, change_id)
            preview = self.preview(list(row.ops))
            if not preview.ok:
                self.audit.record(AuditEvent(who.username, "engineering.apply_failed", f"change:{change_id}", {"errors": preview.errors}))
                raise ReviewError(409, "the change no longer applies to the current configuration", preview.errors)
            reason = f"change {change_id}: {row.reason} (approved by {who.username}{': ' + note.strip() if note.strip() else ''})"
            version = self.apply(preview.files or {}, row.submitter, reason, change_id)
            self._close(change_id, "applied", who, note, version.id)
        detail = {"version": version.id, "hash": version.hash}
        self.audit.record(AuditEvent(who.username, "engineering.approved", f"change:{change_id}", detail, note.strip()))
        self.audit.record(AuditEvent("system", "engineering.applied", f"change:{change_id}", detail))
        return self.get(who, change_id)

    def reject(self, who: Engineer, change_id: int, note: str) -> dict[str, Any]:
        if not (note or "").strip():
            raise ReviewError(422, "a rejection needs a note 驳回须说明理由")
        with self._lock:
            self._reviewable(who, change_id)
            self._close(change_id, "rejected", who, note, None)
        self.audit.record(AuditEvent(who.username, "engineering.rejected", f"change:{change_id}", {}, note.strip()))
        return self.get(who, change_id)

    def withdraw(self, who: Engineer, change_id: int) -> dict[str, Any]:
        with self._lock:
            row = self._row(change_id)
            if row is None or row.submitter != who.username:
                raise ReviewError(403, "only the submitter can withdraw a change")
            if row.status != "pending":
                raise ReviewError(409, f"change {change_id} is {row.status}, not pending")
            self._close(change_id, "withdrawn", who, "", None)
        self.audit.record(AuditEvent(who.username, "engineering.withdrawn", f"change:{change_id}"))
        return self.get(who, change_id)

    # -- reading --------------------------------------------------------------------------------

    def visible(self, who: Engineer, status: str | None = None) -> list[dict[str, Any]]:
        """Changes touching the user's enterprises, plus those the user is to review."""
        query = select(C).order_by(C.c.id.desc()).limit(500)
        if status:
            query = query.where(C.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        return [self._dict(r, who) for r in rows if self._may_see(who, r)]

    def get(self, who: Engineer, change_id: int) -> dict[str, Any]:
        row = self._row(change_id)
        if row is None or not self._may_see(who, row):
            raise ReviewError(404, f"no change {change_id}")
        return self._dict(row, who)

    # -- rules ----------------------------------------------------------------------------------

    @staticmethod
    def _engineer(who: Engineer) -> None:
        if who.role != "engineer":
            raise ReviewError(403, "only an engineer may change the configuration 仅工程师可操作")

    def _in_scope(self, who: Engineer, enterprises: set[str]) -> None:
        if "*" in enterprises and who.tier != "city":
            raise ReviewError(403, "site, templates and alarms.yaml are shared by every enterprise: a city engineer changes them")
        if not (enterprises - {"*"}) <= who.enterprises:
            raise ReviewError(403, "outside your scope 超出权限范围")

    def _review_target(self, who: Engineer, enterprises: set[str]) -> tuple[str, str]:
        if who.tier in ("enterprise", "park"):
            plant = self.plant_of()
            districts = {plant.enterprise(e).enterprise.district for e in enterprises}
            if len(districts) != 1:
                raise ReviewError(422, "split the change: it touches enterprises of several districts")
            return "district", districts.pop()
        return who.tier, who.scope_code

    def _reviewable(self, who: Engineer, change_id: int) -> Any:
        self._engineer(who)
        row = self._row(change_id)
        if row is None or not self._may_see(who, row):
            raise ReviewError(404, f"no change {change_id}")
        if row.status != "pending":
            raise ReviewError(409, f"change {change_id} is {row.status}, not pending")
        if row.submitter == who.username:
            raise ReviewError(403, "a change is approved by a second person, not by its submitter")
        if (who.tier, who.scope_code) != (row.review_tier, row.review_scope):
            raise ReviewError(403, f"this change is reviewed by {row.review_tier}:{row.review_scope}")
        return row

    @staticmethod
    def _may_see(who: Engineer, row: Any) -> bool:
        reviewer = (who.tier, who.scope_code) == (row.review_tier, row.review_scope)
        ents = set(row.enterprises)
        mine = bool(ents) and (ents - {"*"}) <= who.enterprises and ("*" not in ents or who.tier == "city")
        return reviewer or row.submitter == who.username or mine

    def _row(self, change_id: int) -> Any:
        with self.engine.connect() as conn:
            return conn.execute(select(C).where(C.c.id == change_id)).first()

    def _close(self, change_id: int, status: str, who: Engineer, note: str, version_id: int | None) -> None:
        values = {"status": status, "reviewer": who.username, "review_note": note.strip(), "reviewed_at": self.clock()}
        values["version_id"] = version_id
        with self.engine.begin() as conn:
            done = conn.execute(update(C).where(C.c.id == change_id, C.c.status == "pending").values(**values)).rowcount
        if done != 1:
            raise ReviewError(409, f"change {change_id} is no longer pending")

    @staticmethod
    def _dict(row: Any, who: Engineer) -> dict[str, Any]:
        out = dict(row._mapping)
        out["can_review"] = (
            out["status"] == "pending"
            and who.role == "engineer"
            and out["submitter"] != who.username
            and (who.tier, who.scope_code) == (out["review_tier"], out["review_scope"])
        )
        return out
