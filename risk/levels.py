"""Stored evaluations and each enterprise's current level, in the relational store (blocking calls).

Every evaluation is one row with its full breakdown; ``risk_levels`` holds the level each
enterprise has now, written in the same transaction, so after a restart the next evaluation
compares with the level before the restart and a level change is never lost or repeated.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import Engine, delete, insert, select

from risk.evaluate import RiskEvaluation
from scada.store.tables import risk_evaluations, risk_levels


class LevelStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def current(self) -> dict[str, str]:
        with self.engine.connect() as conn:
            return {e: lv for e, lv in conn.execute(select(risk_levels.c.enterprise, risk_levels.c.level))}

    def levels(self, enterprises: Iterable[str] | None = None) -> list[dict[str, Any]]:
        q = select(risk_levels).order_by(risk_levels.c.enterprise)
        if enterprises is not None:
            q = q.where(risk_levels.c.enterprise.in_(list(enterprises)))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def save(self, evaluations: Sequence[RiskEvaluation]) -> list[RiskEvaluation]:
        """Store the evaluations and the changed levels in one transaction; returns them with their ids."""
        if not evaluations:
            return []
        rows = [
            {
                "at": e.at,
                "enterprise": e.enterprise,
                "inherent": e.inherent,
                "dynamic": e.dynamic,
                "band": e.band,
                "previous": e.previous,
                "level": e.level,
                "changed": e.changed,
                "breakdown": e.breakdown(),
            }
            for e in evaluations
        ]
        with self.engine.begin() as conn:
            ids = (
                conn.execute(insert(risk_evaluations).returning(risk_evaluations.c.id, sort_by_parameter_order=True), rows).scalars().all()
            )
            saved = [replace(e, id=i) for e, i in zip(evaluations, ids, strict=True)]
            changed = [e for e in saved if e.changed]
            if changed:
                conn.execute(delete(risk_levels).where(risk_levels.c.enterprise.in_([e.enterprise for e in changed])))
                conn.execute(
                    insert(risk_levels),
                    [{"enterprise": e.enterprise, "level": e.level, "since": e.at, "evaluation_id": e.id} for e in changed],
                )
        return saved

    def history(self, enterprise: str, limit: int = 20, changes_only: bool = False) -> list[dict[str, Any]]:
        """The latest evaluations of an enterprise, newest first, each with its breakdown."""
        c = risk_evaluations.c
        q = select(risk_evaluations).where(c.enterprise == enterprise).order_by(c.id.desc()).limit(limit)
        if changes_only:
            q = q.where(c.changed.is_(True))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]
