"""Video spot checks 视频抽查: a duty agency draws cameras at random among the enterprises in its
scope, looks at each picture and records the result; history and statistics per enterprise.

Scopes: ``city:BJ``, ``district:FS``, ``park:YS`` or ``enterprise:E01``. A draw spreads over
enterprises first — enterprises in random order, one random camera each, round after round — so a
small draw covers as many enterprises as it can instead of favouring those with many cameras.
Drawn checks are ``pending`` until a result (``normal`` or ``problem`` + note) is recorded.
Blocking database calls: call from an executor in async code.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from scada.config import Plant
from scada.errors import ScadaError
from scada.store.db import aware
from scada.store.tables import video_spot_checks
from video.config import Camera, CameraRegistry

RESULTS = ("normal", "problem")  # 正常 / 存在问题
SCOPE_KINDS = ("city", "district", "park", "enterprise")


class SpotCheckError(ScadaError):
    """A draw or a result that cannot be recorded as asked."""


@dataclass(frozen=True, slots=True)
class SpotCheck:
    id: int
    scope: str
    enterprise: str
    camera: str
    drawn_by: str
    drawn_at: datetime
    result: str  # pending, normal or problem
    note: str
    checked_by: str | None
    checked_at: datetime | None


@dataclass(frozen=True, slots=True)
class EnterpriseStats:
    enterprise: str
    drawn: int
    normal: int
    problem: int
    pending: int

    @property
    def problem_pct(self) -> float:
        checked = self.normal + self.problem
        return 100.0 * self.problem / checked if checked else 0.0


def enterprises_in_scope(plant: Plant, scope: str) -> list[str]:
    kind, _, code = scope.partition(":")
    if kind not in SCOPE_KINDS or not code:
        raise SpotCheckError(f"scope {scope!r}: write KIND:CODE with KIND one of {', '.join(SCOPE_KINDS)}, e.g. district:FS")
    ents = [e.enterprise for e in plant.enterprises]
    if kind == "city":
        chosen = ents if code == plant.site.city.code else []
    elif kind == "district":
        chosen = [e for e in ents if e.district == code]
    elif kind == "park":
        chosen = [e for e in ents if e.park == code]
    else:
        chosen = [e for e in ents if e.code == code]
    if not chosen:
        raise SpotCheckError(f"scope {scope!r} contains no enterprise")
    return [e.code for e in chosen]


def _row(r: dict) -> SpotCheck:
    return SpotCheck(
        r["id"],
        r["scope"],
        r["enterprise"],
        r["camera"],
        r["drawn_by"],
        aware(r["drawn_at"]),
        r["result"],
        r["note"],
        r["checked_by"],
        aware(r["checked_at"]) if r["checked_at"] else None,
    )


class SpotChecks:
    def __init__(
        self,
        engine: Engine,
        plant: Plant,
        registry: CameraRegistry,
        rand: random.Random | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.engine = engine
        self.plant = plant
        self.registry = registry
        self._rand = rand or random.Random()
        self._clock = clock

    def pick(self, scope: str, count: int) -> list[Camera]:
        """``count`` cameras drawn from the scope, spread over its enterprises (fewer if it has fewer)."""
        if count < 1:
            raise SpotCheckError("draw at least one camera")
        codes = set(enterprises_in_scope(self.plant, scope))
        by_ent: dict[str, list[Camera]] = defaultdict(list)
        for cam in self.registry.cameras:
            if cam.enterprise in codes and cam.enabled:
                by_ent[cam.enterprise].append(cam)
        if not by_ent:
            raise SpotCheckError(f"no camera is registered in scope {scope!r}")
        pools = {ent: self._rand.sample(cams, len(cams)) for ent, cams in sorted(by_ent.items())}
        picked: list[Camera] = []
        while len(picked) < count and any(pools.values()):
            order = [ent for ent in pools if pools[ent]]
            self._rand.shuffle(order)
            for ent in order[: count - len(picked)]:
                picked.append(pools[ent].pop())
        return picked

    def draw(self, scope: str, count: int, drawn_by: str) -> list[SpotCheck]:
        """Draw cameras and record them as pending checks."""
        cameras = self.pick(scope, count)
        at = self._clock().astimezone(UTC)
        with self.engine.begin() as conn:
            ids = [
                int(
                    conn.execute(
                        insert(video_spot_checks).values(
                            scope=scope, enterprise=c.enterprise, camera=c.id, drawn_by=drawn_by, drawn_at=at, result="pending", note=""
                        )
                    ).inserted_primary_key[0]
                )
                for c in cameras
            ]
        return [SpotCheck(i, scope, c.enterprise, c.id, drawn_by, at, "pending", "", None, None) for i, c in zip(ids, cameras, strict=True)]

    def record(self, check_id: int, result: str, note: str, checked_by: str) -> SpotCheck:
        if result not in RESULTS:
            raise SpotCheckError(f"result must be one of {', '.join(RESULTS)}, not {result!r}")
        if result == "problem" and not note.strip():
            raise SpotCheckError("a problem needs a note saying what is wrong")
        table = video_spot_checks
        with self.engine.begin() as conn:
            row = conn.execute(select(table).where(table.c.id == check_id)).mappings().first()
            if row is None:
                raise SpotCheckError(f"no spot check #{check_id}")
            if row["result"] != "pending":
                raise SpotCheckError(f"spot check #{check_id} already has a result ({row['result']})")
            values = {"result": result, "note": note, "checked_by": checked_by, "checked_at": self._clock().astimezone(UTC)}
            conn.execute(update(table).where(table.c.id == check_id).values(**values))
            return _row({**row, **values})

    def history(self, enterprise: str | None = None, limit: int = 100) -> list[SpotCheck]:
        """Latest checks first."""
        table = video_spot_checks
        query = select(table).order_by(table.c.id.desc()).limit(limit)
        if enterprise is not None:
            query = query.where(table.c.enterprise == enterprise)
        with self.engine.connect() as conn:
            return [_row(dict(r)) for r in conn.execute(query).mappings()]

    def statistics(self, since: datetime | None = None) -> list[EnterpriseStats]:
        table = video_spot_checks
        query = select(table.c.enterprise, table.c.result)
        if since is not None:
            query = query.where(table.c.drawn_at >= since.astimezone(UTC))
        counts: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        with self.engine.connect() as conn:
            for ent, result in conn.execute(query):
                counts[ent][result] += 1
        return [EnterpriseStats(ent, sum(c.values()), c["normal"], c["problem"], c["pending"]) for ent, c in sorted(counts.items())]
