"""Maintenance notices and usage problems (art. 22).

The information centre announces planned work at least N **working** days ahead (N = 2 by default;
the Chinese calendar with its holidays and adjusted working days, ``governance.calendar``): the
working days from the notice day up to the day before the work must number N, so a notice given on
a Friday for Monday's work — one working day — is refused with the latest day it could have been
given. Recipients (districts, parks, enterprises) confirm reading; districts file usage problems and
follow their status. Blocking database calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from governance.accounts import in_office
from governance.actor import Actor, units
from governance.calendar import WorkCalendar, calendar, day_of, days, iso_utc
from governance.config import GovernanceConfig
from governance.errors import GovernanceError, NotFound
from scada.config import Plant
from scada.store.tables import gov_notice_reads, gov_notices, gov_problems

PROBLEM_STATUSES = ("open", "in_progress", "resolved")


class Maintenance:
    def __init__(
        self, engine: Engine, plant: Plant, cfg: GovernanceConfig, clock: Callable[[], float], cal: WorkCalendar | None = None
    ) -> None:
        self.engine, self.plant, self.cfg, self.clock = engine, plant, cfg, clock
        self.calendar = cal or calendar()

    def check_lead(self, notice_at: float, work_start: float) -> int:
        """The working days of notice, or a refusal that says which days count and the latest notice day."""
        lead = self.cfg.maintenance.lead_working_days
        notice_day, work_day = day_of(notice_at), day_of(work_start)
        working = self.calendar.working_days(notice_day, work_day)
        if len(working) < lead:
            cal = self.calendar
            skipped = [cal.describe(d) for d in days(notice_day, work_day) if not cal.is_working(d)]
            counted = ", ".join(d.isoformat() for d in working) or "none"
            raise GovernanceError(
                f"too late: a maintenance notice must be given at least {lead} working days before the work 须提前{lead}个工作日通知. "
                f"Work on {cal.describe(work_day)}, notice on {cal.describe(notice_day)}: {len(working)} working day(s) ({counted}) "
                f"between them; not working: {'; '.join(skipped) or 'none'}. "
                f"Give the notice by {cal.describe(cal.latest_notice_day(work_day, lead))} "
                f"or move the work later."
            )
        return len(working)

    def schedule(self, actor: Actor, title: str, text: str, work_start: float, work_end: float, recipients: list[str]) -> dict[str, Any]:
        actor.require(
            in_office(actor, self.cfg.offices.information_centre), "scheduling a maintenance notice (the information centre does)"
        )
        if not title.strip() or not text.strip():
            raise GovernanceError("a notice needs a title and a text")
        if work_end <= work_start:
            raise GovernanceError("the work must end after it starts")
        now = self.clock()
        if work_start <= now:
            raise GovernanceError("the work must start in the future")
        every = units(self.plant)
        chosen = every if recipients in ([], ["all"]) else recipients
        unknown = [u for u in chosen if u not in every]
        if unknown:
            raise GovernanceError(f"unknown recipient(s) {', '.join(unknown)}; write district:XX, park:YY or enterprise:EXX, or all")
        lead_days = self.check_lead(now, work_start)
        row = {
            "title": title.strip(),
            "text": text.strip(),
            "work_start": float(work_start),
            "work_end": float(work_end),
            "recipients": sorted(set(chosen)),
            "scheduled_by": actor.user,
            "scheduled_at": now,
            "working_days": lead_days,
        }
        with self.engine.begin() as conn:
            row["id"] = int(conn.execute(insert(gov_notices).values(**row)).inserted_primary_key[0])
        return self._json(row, [])

    def _reads(self, notice_id: int) -> list[dict[str, Any]]:
        c = gov_notice_reads.c
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(gov_notice_reads).where(c.notice_id == notice_id).order_by(c.id)).mappings()]

    def _json(self, row: dict[str, Any], reads: list[dict[str, Any]]) -> dict[str, Any]:
        read_units = {r["unit"] for r in reads}
        return {
            **row,
            "start": iso_utc(row["work_start"]),
            "end": iso_utc(row["work_end"]),
            "reads": reads,
            "unread": [u for u in row["recipients"] if u not in read_units],
        }

    def notices(self, actor: Actor) -> list[dict[str, Any]]:
        """City users see every notice; others those addressed to their unit."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(gov_notices).order_by(gov_notices.c.id.desc())).mappings().all()
        return [self._json(dict(r), self._reads(r["id"])) for r in rows if actor.tier == "city" or actor.unit in r["recipients"]]

    def confirm_read(self, actor: Actor, notice_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(gov_notices).where(gov_notices.c.id == notice_id)).mappings().first()
        if row is None or actor.unit not in row["recipients"]:
            raise NotFound(f"no notice {notice_id} addressed to {actor.unit}")
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(gov_notice_reads).values(notice_id=notice_id, unit=actor.unit, user=actor.user, at=self.clock()))
        except IntegrityError:
            pass  # read already: the first confirmation stands
        return self._json(dict(row), self._reads(notice_id))

    # -- usage problems ----------------------------------------------------------------------------

    def file_problem(self, actor: Actor, title: str, text: str) -> dict[str, Any]:
        actor.require(actor.tier == "district" and actor.writes, "filing a usage problem (districts file them)")
        if not title.strip() or not text.strip():
            raise GovernanceError("a problem needs a title and a text")
        row = {
            "district": actor.code,
            "title": title.strip(),
            "text": text.strip(),
            "filed_by": actor.user,
            "filed_at": self.clock(),
            "status": "open",
            "response": "",
        }
        with self.engine.begin() as conn:
            row["id"] = int(conn.execute(insert(gov_problems).values(**row)).inserted_primary_key[0])
        return row

    def problems(self, actor: Actor) -> list[dict[str, Any]]:
        q = select(gov_problems).order_by(gov_problems.c.id.desc())
        if actor.tier != "city":
            q = q.where(gov_problems.c.district == (actor.code if actor.tier == "district" else ""))
        with self.engine.connect() as conn:
            return [dict(r) for r in conn.execute(q).mappings()]

    def answer_problem(self, actor: Actor, problem_id: int, status: str, response: str) -> dict[str, Any]:
        actor.require(in_office(actor, self.cfg.offices.information_centre), "answering a usage problem (the information centre does)")
        if status not in PROBLEM_STATUSES:
            raise GovernanceError(f"status must be one of {', '.join(PROBLEM_STATUSES)}, not {status!r}")
        values = {"status": status, "response": response.strip(), "updated_by": actor.user, "updated_at": self.clock()}
        with self.engine.begin() as conn:
            done = conn.execute(update(gov_problems).where(gov_problems.c.id == problem_id).values(**values)).rowcount
        if not done:
            raise NotFound(f"no problem {problem_id}")
        with self.engine.connect() as conn:
            return dict(conn.execute(select(gov_problems).where(gov_problems.c.id == problem_id)).mappings().one())
