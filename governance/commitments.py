"""The daily safety commitment 安全风险研判与承诺公告 (art. 12): filed by the enterprise's principal
person before 10:00 Beijing time; reminders before the deadline; late and missing filings counted
per enterprise, district and park; history and the public notice of today's commitment.

A filing at or after the deadline is accepted and marked late; a day without one is missing once
its deadline has passed. Blocking database calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from governance.actor import Actor
from governance.calendar import at, day_of, days, local
from governance.config import Commitment, clock_time
from governance.errors import GovernanceError, NotFound
from scada.config import Plant
from scada.store.tables import gov_commitments, gov_reminders

UNITS = ("total", "running", "stopped", "startup_shutdown", "trial", "maintenance")  # 装置总数/运行/停车/开停车/试生产/检修
OPERATIONS = (  # 特殊作业
    "hot_work_special",  # 特级动火
    "hot_work_1",  # 一级动火
    "hot_work_2",  # 二级动火
    "confined_space",  # 受限空间
    "blind_plate",  # 盲板抽堵
    "height",  # 高处
    "lifting",  # 吊装
    "temporary_power",  # 临时用电
    "excavation",  # 动土
    "road_closure",  # 断路
)
JOBS = ("maintenance", "contractor", "change", "backfill", "tank_cleaning", "water_draining", "other")  # 检维修/承包商/变更/…
HAZARD_LEVELS = ("1", "2", "3", "4")  # major hazard sources by GB 18218 level


@dataclass(frozen=True)
class Standing:
    """Commitment compliance of one enterprise over a period."""

    enterprise: str
    on_time: int
    late: int
    missing: int
    missing_days: tuple[str, ...] = ()

    @property
    def due(self) -> int:
        return self.on_time + self.late + self.missing


def _counts(form: dict[str, Any], group: str, keys: tuple[str, ...]) -> dict[str, int]:
    given = form.get(group) or {}
    if not isinstance(given, dict):
        raise GovernanceError(f"{group}: an object of counts ({', '.join(keys)})")
    unknown = set(given) - set(keys)
    if unknown:
        raise GovernanceError(f"{group}: unknown field(s) {', '.join(sorted(unknown))}; fields are {', '.join(keys)}")
    out = {}
    for k in keys:
        v = given.get(k, 0)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise GovernanceError(f"{group}.{k}: a whole number ≥ 0, not {v!r}")
        out[k] = v
    return out


def validate_form(form: dict[str, Any]) -> dict[str, Any]:
    """The stored form: every count present (0 when not given), unit sub-counts within the total."""
    units = _counts(form, "units", UNITS)
    for k in UNITS[1:]:
        if units[k] > units["total"]:
            raise GovernanceError(f"units.{k} ({units[k]}) cannot exceed units.total ({units['total']})")
    if units["running"] + units["stopped"] > units["total"]:
        raise GovernanceError("units.running + units.stopped cannot exceed units.total")
    return {
        "units": units,
        "operations": _counts(form, "operations", OPERATIONS),
        "jobs": _counts(form, "jobs", JOBS),
        "hazard_sources": _counts(form, "hazard_sources", HAZARD_LEVELS),
    }


class CommitmentBook:
    def __init__(self, engine: Engine, plant: Plant, cfg: Commitment, clock: Callable[[], float]) -> None:
        self.engine, self.plant, self.cfg, self.clock = engine, plant, cfg, clock
        self.deadline = clock_time(cfg.deadline)

    @property
    def enterprises(self) -> list[str]:
        return [f.enterprise.code for f in self.plant.enterprises]

    def deadline_at(self, day: date) -> float:
        return at(day, self.deadline)

    def file(self, actor: Actor, enterprise: str, signer: str, text: str, major_hazard: bool, form: dict[str, Any]) -> dict[str, Any]:
        """File today's commitment (Beijing day of the clock). Only the enterprise itself files; one per day."""
        actor.require(actor.tier == "enterprise" and actor.code == enterprise and actor.writes, f"filing {enterprise}'s commitment")
        if not signer.strip():
            raise GovernanceError("signer: the principal person who signs the commitment 承诺人")
        if not text.strip():
            raise GovernanceError("text: the commitment text 承诺内容")
        now = self.clock()
        day = day_of(now)
        late = now >= self.deadline_at(day)
        row = {
            "enterprise": enterprise,
            "day": day,
            "filed_at": now,
            "filed_by": actor.user,
            "signer": signer.strip(),
            "late": late,
            "form": validate_form(form),
            "major_hazard": bool(major_hazard),
            "text": text.strip(),
        }
        try:
            with self.engine.begin() as conn:
                row["id"] = int(conn.execute(insert(gov_commitments).values(**row)).inserted_primary_key[0])
        except IntegrityError:
            raise GovernanceError(f"{enterprise} has already filed its commitment for {day.isoformat()}") from None
        return _json(row)

    def history(self, actor: Actor, enterprise: str, start: date, end: date) -> list[dict[str, Any]]:
        actor.require_sees(enterprise)
        c = gov_commitments.c
        q = select(gov_commitments).where(c.enterprise == enterprise, c.day >= start, c.day < end).order_by(c.day.desc())
        with self.engine.connect() as conn:
            return [_json(dict(r)) for r in conn.execute(q).mappings()]

    def today(self, actor: Actor) -> list[dict[str, Any]]:
        """The public notice 公告 of today: each enterprise in scope with its commitment (None when not filed)."""
        now = self.clock()
        day = day_of(now)
        filed = self._filed(day, day + timedelta(days=1))
        return [
            {"enterprise": e, "day": day.isoformat(), "commitment": filed.get((e, day)), "overdue": now >= self.deadline_at(day)}
            for e in self.enterprises
            if actor.sees(e)
        ]

    def get(self, actor: Actor, commitment_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(gov_commitments).where(gov_commitments.c.id == commitment_id)).mappings().first()
        if row is None or not actor.sees(row["enterprise"]):
            raise NotFound(f"no commitment {commitment_id} in your scope")
        return _json(dict(row))

    def _filed(self, start: date, end: date) -> dict[tuple[str, date], dict[str, Any]]:
        c = gov_commitments.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(gov_commitments).where(c.day >= start, c.day < end)).mappings().all()
        return {(r["enterprise"], _day(r["day"])): _json(dict(r)) for r in rows}

    def missing_today(self) -> set[str]:
        day = day_of(self.clock())
        filed = self._filed(day, day + timedelta(days=1))
        return {e for e in self.enterprises if (e, day) not in filed}

    def standing(self, start: date, end: date, enterprises: list[str] | None = None) -> list[Standing]:
        """Compliance over the days [start, end): a day counts once its deadline has passed (or it was filed)."""
        now = self.clock()
        filed = self._filed(start, end)
        out = []
        for e in enterprises if enterprises is not None else self.enterprises:
            on_time = late = 0
            missing = []
            for d in days(start, end):
                c = filed.get((e, d))
                if c is not None:
                    late += c["late"]
                    on_time += not c["late"]
                elif now >= self.deadline_at(d):
                    missing.append(d.isoformat())
            out.append(Standing(e, on_time, late, len(missing), tuple(missing)))
        return out

    def counts(self, actor: Actor, start: date, end: date) -> dict[str, Any]:
        """Late and missing per enterprise, district and park (and the whole scope)."""
        ents = {f.enterprise.code: f.enterprise for f in self.plant.enterprises if actor.sees(f.enterprise.code)}
        rows = self.standing(start, end, sorted(ents))
        groups: dict[str, dict[str, int]] = {}
        for s in rows:
            e = ents[s.enterprise]
            for unit in (f"district:{e.district}", f"park:{e.park}" if e.park else None, "total"):
                if unit:
                    g = groups.setdefault(unit, {"on_time": 0, "late": 0, "missing": 0})
                    g["on_time"] += s.on_time
                    g["late"] += s.late
                    g["missing"] += s.missing
        return {
            "start": start.isoformat(),
            "end": end.isoformat(),
            "enterprises": [
                {
                    "enterprise": s.enterprise,
                    "on_time": s.on_time,
                    "late": s.late,
                    "missing": s.missing,
                    "missing_days": list(s.missing_days),
                }
                for s in rows
            ],
            "groups": groups,
        }

    def due_reminders(self, now: float) -> list[tuple[str, str]]:
        """(enterprise, slot) for today's reminders and the deadline's missing count that are due and not yet recorded,
        each recorded so it happens once; a slot passed while the server was down is not replayed after the deadline."""
        day = day_of(now)
        deadline = self.deadline_at(day)
        slots = [s for s in self.cfg.reminders if at(day, clock_time(s)) <= now < deadline]
        if now >= deadline:
            slots = ["missing"]
        if not slots:
            return []
        missing = self.missing_today()
        c = gov_reminders.c
        with self.engine.begin() as conn:
            done = {(r.enterprise, r.slot) for r in conn.execute(select(c.enterprise, c.slot).where(c.day == day))}
            due = [(e, s) for e in sorted(missing) for s in slots if (e, s) not in done]
            if due:
                conn.execute(insert(gov_reminders), [{"enterprise": e, "day": day, "slot": s, "at": now} for e, s in due])
        return due

    def reminders(self, actor: Actor, day: date) -> list[dict[str, Any]]:
        c = gov_reminders.c
        with self.engine.connect() as conn:
            rows = conn.execute(select(gov_reminders).where(c.day == day).order_by(c.id)).mappings().all()
        return [{**r, "day": _day(r["day"]).isoformat()} for r in rows if actor.sees(r["enterprise"])]

    def next_due(self, now: float) -> float:
        """The next reminder or deadline moment after ``now`` (the scheduler sleeps until then)."""
        day = day_of(now)
        moments = [at(day + timedelta(days=k), clock_time(s)) for k in (0, 1) for s in [*self.cfg.reminders, self.cfg.deadline]]
        return min(m for m in moments if m > now)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _json(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["day"] = _day(out["day"]).isoformat()
    out["filed_local"] = local(out["filed_at"]).strftime("%Y-%m-%d %H:%M:%S")
    return out
