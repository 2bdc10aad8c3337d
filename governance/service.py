"""The governance service: the workflows on one store, the monthly report archive, and the scheduler
the server runs (commitment reminders and the 10:00 missing count, declaration starts and ends,
monthly reports). ``tick(now)`` does whatever is due at ``now``, so tests drive it with a clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, insert, select

from governance.accounts import Accounts
from governance.actor import Actor
from governance.audit import Auditor
from governance.calendar import at, day_of, previous_month
from governance.commitments import CommitmentBook
from governance.config import GovernanceConfig, clock_time
from governance.declarations import Declarations, OutOfService
from governance.errors import GovernanceError, NotFound
from governance.maintenance import Maintenance
from governance.reports import MonthlyFigures, parse_unit
from governance.statistics import OfflineStatistics
from rules.config import KpiSettings
from scada.config import Plant
from scada.store import AuditLog
from scada.store.tables import gov_reports

log = logging.getLogger(__name__)
MAX_SLEEP_S = 5.0  # a declaration approved elsewhere (the HMI) is picked up within this
Notify = Callable[[list[tuple[str, str, str]]], None]  # (unit, subject, body) messages to in-app feeds


class Governance:
    def __init__(
        self,
        engine: Engine,
        plant: Plant,
        cfg: GovernanceConfig,
        kpi: KpiSettings,
        data_dir: Path,
        clock: Callable[[], float],
        set_oos: OutOfService | None = None,
        notify: Notify | None = None,
    ) -> None:
        self.engine, self.plant, self.cfg, self.clock, self.data_dir = engine, plant, cfg, clock, Path(data_dir)
        self.set_oos = set_oos
        self.notify = notify
        self.audit = Auditor(AuditLog(engine, lambda: datetime.fromtimestamp(clock(), UTC)))
        self.commitments = CommitmentBook(engine, plant, cfg.commitment, clock)
        self.declarations = Declarations(engine, plant, clock)
        self.statistics = OfflineStatistics(engine, plant, self.declarations, clock)
        self.accounts = Accounts(engine, plant, cfg.offices, clock)
        self.maintenance = Maintenance(engine, plant, cfg, clock)
        self.figures = MonthlyFigures(engine, plant, kpi, self.commitments, self.statistics)
        self.system = Actor.system(plant)
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._missing_cache: tuple[float, set[str]] = (-1.0, set())

    # -- reports ---------------------------------------------------------------------------------

    def generate_report(self, actor: Actor, unit: str, month: str, fmt: str) -> dict[str, Any]:
        """Compute and write one report; stored under ``<data>/reports/<unit>/`` and listed in ``gov_reports``."""
        from governance.render import write_pdf, write_xlsx

        tier, code = parse_unit(self.plant, unit)
        actor.require(actor.tier == "city" or (actor.tier == tier and actor.code == code), f"a report for {unit}")
        if fmt not in ("xlsx", "pdf"):
            raise GovernanceError(f"format must be xlsx or pdf, not {fmt!r}")
        figures = self.figures.compute(unit, month)
        folder = self.data_dir / "reports" / unit.replace(":", "-")
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{month}.{fmt}"
        (write_xlsx if fmt == "xlsx" else write_pdf)(figures, path)
        row = {
            "unit": unit,
            "month": month,
            "fmt": fmt,
            "path": str(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "generated_at": self.clock(),
            "generated_by": actor.user,
            "figures": _jsonable(figures),
        }
        with self.engine.begin() as conn:
            row["id"] = int(conn.execute(insert(gov_reports).values(**row)).inserted_primary_key[0])
        return row

    def reports(self, actor: Actor, unit: str | None = None) -> list[dict[str, Any]]:
        q = select(gov_reports.c.id, gov_reports.c.unit, gov_reports.c.month, gov_reports.c.fmt, gov_reports.c.generated_at,
                   gov_reports.c.generated_by, gov_reports.c.sha256).order_by(gov_reports.c.id.desc())  # fmt: skip
        if unit:
            q = q.where(gov_reports.c.unit == unit)
        with self.engine.connect() as conn:
            rows = [dict(r) for r in conn.execute(q).mappings()]
        return [r for r in rows if actor.tier == "city" or r["unit"] == actor.unit]

    def report_file(self, actor: Actor, report_id: int) -> tuple[Path, str]:
        with self.engine.connect() as conn:
            row = conn.execute(select(gov_reports).where(gov_reports.c.id == report_id)).mappings().first()
        if row is None or not (actor.tier == "city" or row["unit"] == actor.unit):
            raise NotFound(f"no report {report_id} in your scope")
        return Path(row["path"]), f"{row['unit'].replace(':', '-')}-{row['month']}.{row['fmt']}"

    # -- scheduled jobs --------------------------------------------------------------------------

    def missing_today(self) -> set[str]:
        """Cached for a few seconds: the overview screen asks every second per browser."""
        now = self.clock()
        if now - self._missing_cache[0] > 5.0:
            self._missing_cache = (now, self.commitments.missing_today())
        return self._missing_cache[1]

    def tick(self, now: float | None = None) -> dict[str, Any]:
        """Do what is due: reminders / missing counts, declaration starts and ends, last month's reports."""
        now = self.clock() if now is None else now
        done: dict[str, Any] = {}
        due = self.commitments.due_reminders(now)
        if due:
            done["reminders"] = due
            for ent, slot in due:
                action = "commitment.missing" if slot == "missing" else "commitment.reminded"
                self.audit.record(self.system, action, ent, slot=slot, day=day_of(now).isoformat())
            if self.notify is not None:
                self.notify([(f"enterprise:{e}", *_reminder_text(s, self.cfg.commitment.deadline)) for e, s in due])
        if self.set_oos is not None:
            changes = self.declarations.sync(now, self.set_oos)
            for rid, on in changes:
                self.audit.record(self.system, "declaration.started" if on else "declaration.ended", f"declaration:{rid}")
            if changes:
                done["declarations"] = changes
        made = self._scheduled_reports(now)
        if made:
            done["reports"] = made
        return done

    def _scheduled_reports(self, now: float) -> list[tuple[str, str, str]]:
        r = self.cfg.reports
        today = day_of(now)
        if today.day < r.day or now < at(today.replace(day=r.day), clock_time(r.time)):
            return []
        month = previous_month(now)
        with self.engine.connect() as conn:
            c = gov_reports.c
            have = {(u, f) for u, f in conn.execute(select(c.unit, c.fmt).where(c.month == month, c.generated_by == "system"))}
        made = []
        for unit in self.cfg.report_units(self.plant):
            for fmt in r.formats:
                if (unit, fmt) not in have:
                    self.audit.act(
                        self.system,
                        "report.generated",
                        f"{unit}/{month}.{fmt}",
                        lambda u=unit, f=fmt: self.generate_report(self.system, u, month, f),
                    )
                    made.append((unit, month, fmt))
        return made

    def next_due(self, now: float) -> float:
        moments = [self.commitments.next_due(now), now + MAX_SLEEP_S]
        nxt = self.declarations.next_due(now)
        if nxt is not None:
            moments.append(nxt)
        return min(moments)

    def restore(self) -> None:
        """After a restart: every running approved declaration is out of service again."""
        if self.set_oos is not None:
            self.declarations.sync(self.clock(), self.set_oos, restore=True)

    async def run(self, on_loop: Callable[[Callable[[], Any]], Any] | None = None) -> None:
        """Sleep until the next due moment (a declaration's start or end is met to the tick), then ``tick``."""
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(None, self.tick)
            except Exception:
                log.exception("governance jobs failed; retrying at the next due moment")
            now = self.clock()
            delay = max(0.05, self.next_due(now) - now)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), min(delay, MAX_SLEEP_S))
            self._wake.clear()

    def wake(self) -> None:
        """A declaration was approved: reconsider the schedule now."""
        self._wake.set()


def _reminder_text(slot: str, deadline: str) -> tuple[str, str]:
    if slot == "missing":
        return ("今日安全承诺未报 commitment missing", f"今日安全风险研判与承诺公告未在{deadline}前填报，已计为未报。")
    return ("请填报今日安全承诺 commitment reminder", f"请在{deadline}前填报今日安全风险研判与承诺公告。")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


async def start_governance(sup: Any) -> tuple[Governance, asyncio.Task[None]]:
    """The server's governance jobs (``Supervisor.run``): declarations restored, then the scheduler loop.
    Jobs run in an executor; the alarm engine is changed on the loop (it is not thread-safe)."""
    from governance.config import load_governance_config
    from risk.notify import Message

    loop = asyncio.get_running_loop()

    def set_oos(tags: list[str], key: str, on: bool) -> None:
        async def call() -> None:
            sup.alarms.set_out_of_service(tags, key, on)

        asyncio.run_coroutine_threadsafe(call(), loop).result(10)

    def notify(messages: list[tuple[str, str, str]]) -> None:
        with sup.engine.begin() as conn:
            sup.risk.notifier.enqueue(conn, [Message(u, "notice", s, b) for u, s, b in messages], sup.clock())

    cfg = load_governance_config(sup.settings.config_dir, sup.plant)
    gov = Governance(sup.engine, sup.plant, cfg, sup.alarms.config.kpi, sup.settings.data_dir, sup.clock, set_oos, notify)
    await loop.run_in_executor(None, gov.restore)
    return gov, asyncio.create_task(gov.run(), name="governance")
