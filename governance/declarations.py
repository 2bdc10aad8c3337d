"""Out-of-service declarations 停用报备 (art. 18): the enterprise declares devices or points that cannot
report, or report falsely, with a reason and a period; its district approves or rejects with a note.

While an approved declaration's period runs, its points are out of service in the alarm engine
(``AlarmEngine.set_out_of_service``, keyed ``decl:<id>``); at the end they return by themselves.
Nothing else is hidden (art. 19): a pending or rejected declaration changes nothing, and offline
statistics keep every offline second — a declaration only marks which of them were excused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, insert, select, update

from governance.actor import Actor, enterprise
from governance.calendar import iso_utc
from governance.errors import GovernanceError, NotFound
from scada.config import Plant
from scada.store.tables import gov_declarations

KINDS = ("maintenance", "damage", "false_data", "other")  # 检维修 / 损坏 / 数据失真 / 其他
OutOfService = Callable[[list[str], str, bool], None]  # (tags, declaration key, on)


def key(declaration_id: int) -> str:
    return f"decl:{declaration_id}"


class Declarations:
    def __init__(self, engine: Engine, plant: Plant, clock: Callable[[], float]) -> None:
        self.engine, self.plant, self.clock = engine, plant, clock

    def _tags(self, ent: str, devices: list[str], points: list[str]) -> list[str]:
        f = enterprise(self.plant, ent)
        known = {d.id for d in f.devices}
        for d in devices:
            if d not in known:
                raise GovernanceError(f"device {d!r} is not a device of {ent} (devices: {', '.join(sorted(known))})")
        tags = {p.tag for p in self.plant.points if p.enterprise.code == ent and p.device.id in devices}
        for t in points:
            ref = self.plant.point_by_tag.get(t)
            if ref is None or ref.enterprise.code != ent:
                raise GovernanceError(f"point {t!r} is not a point of {ent}")
            tags.add(t)
        if not tags:
            raise GovernanceError("name the devices or points that cannot report (devices, points)")
        return sorted(tags)

    def file(
        self, actor: Actor, ent: str, devices: list[str], points: list[str], kind: str, reason: str, start_at: float, end_at: float
    ) -> dict[str, Any]:
        actor.require(actor.tier == "enterprise" and actor.code == ent and actor.writes, f"declaring {ent}'s devices out of service")
        if kind not in KINDS:
            raise GovernanceError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if not reason.strip():
            raise GovernanceError("reason: why the devices cannot report 停用原因")
        now = self.clock()
        if end_at <= start_at:
            raise GovernanceError("the period must end after it starts")
        if end_at <= now:
            raise GovernanceError("the period is already over")
        tags = self._tags(ent, devices, points)
        row = {
            "enterprise": ent,
            "devices": sorted(devices),
            "tags": tags,
            "kind": kind,
            "reason": reason.strip(),
            "start_at": float(start_at),
            "end_at": float(end_at),
            "status": "pending",
            "applied": False,
            "filed_by": actor.user,
            "filed_at": now,
            "review_note": "",
        }
        with self.engine.begin() as conn:
            row["id"] = int(conn.execute(insert(gov_declarations).values(**row)).inserted_primary_key[0])
        return _json(row)

    def get(self, actor: Actor, declaration_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(gov_declarations).where(gov_declarations.c.id == declaration_id)).mappings().first()
        if row is None or not actor.sees(row["enterprise"]):
            raise NotFound(f"no declaration {declaration_id} in your scope")
        return _json(dict(row))

    def list(self, actor: Actor, status: str | None = None) -> list[dict[str, Any]]:
        q = select(gov_declarations).order_by(gov_declarations.c.id.desc())
        if status:
            q = q.where(gov_declarations.c.status == status)
        with self.engine.connect() as conn:
            rows = conn.execute(q).mappings().all()
        return [_json(dict(r)) for r in rows if actor.sees(r["enterprise"])]

    def review(self, actor: Actor, declaration_id: int, approve: bool, note: str) -> dict[str, Any]:
        """The district of the enterprise verifies and approves or rejects (a rejection says why)."""
        d = self.get(actor, declaration_id)
        district = enterprise(self.plant, d["enterprise"]).enterprise.district
        actor.require(
            actor.tier == "district" and actor.code == district and actor.role in ("administrator", "duty"),
            f"reviewing a declaration of {d['enterprise']} (its district {district} reviews)",
        )
        if d["status"] != "pending":
            raise GovernanceError(f"declaration {declaration_id} is {d['status']} already")
        if not approve and not note.strip():
            raise GovernanceError("a rejection needs a note saying why")
        values = {
            "status": "approved" if approve else "rejected",
            "reviewed_by": actor.user,
            "reviewed_at": self.clock(),
            "review_note": note.strip(),
        }
        with self.engine.begin() as conn:
            conn.execute(update(gov_declarations).where(gov_declarations.c.id == declaration_id).values(**values))
        return {**d, **values}

    def withdraw(self, actor: Actor, declaration_id: int) -> dict[str, Any]:
        d = self.get(actor, declaration_id)
        actor.require(actor.tier == "enterprise" and actor.code == d["enterprise"], "withdrawing a declaration")
        if d["status"] != "pending":
            raise GovernanceError(f"only a pending declaration can be withdrawn; {declaration_id} is {d['status']}")
        with self.engine.begin() as conn:
            conn.execute(update(gov_declarations).where(gov_declarations.c.id == declaration_id).values(status="withdrawn"))
        return {**d, "status": "withdrawn"}

    def sync(self, now: float, set_oos: OutOfService, restore: bool = False) -> list[tuple[int, bool]]:
        """Bring the alarm engine in line with the approved declarations at ``now``: periods that started go out of
        service, periods that ended return. ``restore`` re-applies every running one (after a restart)."""
        c = gov_declarations.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.id, c.tags, c.start_at, c.end_at, c.applied).where(c.status == "approved")).all()
        changes = []
        for rid, tags, start, end, applied in rows:
            running = start <= now < end
            if running and (not applied or restore):
                set_oos(list(tags), key(rid), True)
                changes.append((rid, True))
            elif not running and applied:
                set_oos(list(tags), key(rid), False)
                changes.append((rid, False))
        if changes:
            with self.engine.begin() as conn:
                for rid, on in changes:
                    conn.execute(update(gov_declarations).where(c.id == rid).values(applied=on))
        return changes

    def next_due(self, now: float) -> float | None:
        """The next start or end of an approved period after ``now``."""
        c = gov_declarations.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(c.start_at, c.end_at).where(c.status == "approved", c.end_at > now)).all()
        moments = [m for row in rows for m in row if m > now]
        return min(moments) if moments else None

    def out_of_service(self, now: float) -> dict[str, int]:
        """tag → declaration id for every point out of service at ``now`` (marked on the screens)."""
        c = gov_declarations.c
        q = select(c.id, c.tags).where(c.status == "approved", c.start_at <= now, c.end_at > now)
        with self.engine.connect() as conn:
            return {t: rid for rid, tags in conn.execute(q) for t in tags}

    def excused(self, enterprise_code: str, start: float, end: float) -> dict[str, list[tuple[float, float]]]:
        """device → approved periods overlapping [start, end) (whole-device declarations only)."""
        c = gov_declarations.c
        q = select(c.devices, c.start_at, c.end_at).where(
            c.status == "approved", c.enterprise == enterprise_code, c.start_at < end, c.end_at > start
        )
        out: dict[str, list[tuple[float, float]]] = {}
        with self.engine.connect() as conn:
            for devices, s, e in conn.execute(q):
                for d in devices:
                    out.setdefault(d, []).append((max(s, start), min(e, end)))
        return out


def _json(row: dict[str, Any]) -> dict[str, Any]:
    return {**row, "start": iso_utc(row["start_at"]), "end": iso_utc(row["end_at"])}
