"""Configuration versions: every applied tree kept whole, with its hash, who, when, why and the diff
against the previous version, so any earlier version can be inspected and restored (through review)."""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import Engine, insert, select

from engineering.tree import Files, tree_hash
from scada.store.tables import engineering_versions as T


@dataclass(frozen=True)
class Version:
    id: int
    hash: str
    actor: str
    at: float
    reason: str
    change_id: int | None
    diff: str
    files: Files = field(default_factory=dict, repr=False)  # empty in listings

    def summary(self) -> dict[str, object]:
        return {
            "id": self.id,
            "hash": self.hash,
            "actor": self.actor,
            "at": self.at,
            "reason": self.reason,
            "change_id": self.change_id,
            "lines_changed": sum(1 for line in self.diff.splitlines() if line[:1] in "+-" and line[:3] not in ("+++", "---")),
        }


def unified_diff(before: Files, after: Files) -> str:
    out: list[str] = []
    for rel in sorted(set(before) | set(after)):
        a, b = before.get(rel, ""), after.get(rel, "")
        if a != b:
            out += difflib.unified_diff(a.splitlines(keepends=True), b.splitlines(keepends=True), f"a/{rel}", f"b/{rel}")
    return "".join(line if line.endswith("\n") else line + "\n" for line in out)


def _version(row, with_files: bool) -> Version:  # type: ignore[no-untyped-def]
    files = dict(row.files) if with_files else {}
    return Version(row.id, row.hash, row.actor, row.at, row.reason, row.change_id, row.diff, files)


class Versions:
    """Blocking store calls (executor or request thread)."""

    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine, self.clock = engine, clock

    def latest(self) -> Version | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(T).order_by(T.c.id.desc()).limit(1)).first()
        return _version(row, True) if row else None

    def record(self, files: Files, actor: str, reason: str, change_id: int | None = None) -> Version:
        """Keep ``files`` as the newest version; the same tree as the newest one is not kept twice."""
        previous = self.latest()
        digest = tree_hash(files)
        if previous is not None and previous.hash == digest:
            return previous
        diff = unified_diff(previous.files if previous else {}, files)
        row = {"hash": digest, "actor": actor, "at": self.clock(), "reason": reason, "change_id": change_id, "diff": diff, "files": files}
        with self.engine.begin() as conn:
            vid = int(conn.execute(insert(T).values(**row)).inserted_primary_key[0])
        return Version(vid, digest, actor, row["at"], reason, change_id, diff, dict(files))

    def get(self, version_id: int) -> Version | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(T).where(T.c.id == version_id)).first()
        return _version(row, True) if row else None

    def list(self, limit: int = 100) -> list[Version]:
        cols = [c for c in T.c if c.name != "files"]
        with self.engine.connect() as conn:
            rows = conn.execute(select(*cols).order_by(T.c.id.desc()).limit(limit)).all()
        return [Version(r.id, r.hash, r.actor, r.at, r.reason, r.change_id, r.diff) for r in rows]
