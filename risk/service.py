"""Risk evaluation and the warning workflow inside the running server (``supervisor.risk``).

Three loops that never die on a bad round (one log line, then the next round): evaluation every
``evaluation.interval_s`` (default 60 s), the workflow's timers and the notification deliveries
every ``tick_s``. All database work runs in an executor; times come from the injected clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from sqlalchemy import Engine

from risk.api import WarningApi
from risk.config import RiskConfig
from risk.evaluate import Evaluator, RiskEvaluation
from risk.indicators import kpi_records
from risk.levels import LevelStore
from risk.notify import Channel, Notifier
from risk.workflow import WarningWorkflow
from rules.config import KpiSettings
from scada.config import Plant

log = logging.getLogger(__name__)


class RiskService:
    def __init__(
        self,
        plant: Plant,
        cfg: RiskConfig,
        kpi: KpiSettings,
        engine: Engine,
        clock: Callable[[], float],
        channels: dict[str, Channel] | None = None,
        tick_s: float = 1.0,
    ) -> None:
        self.cfg, self.clock, self.tick_s = cfg, clock, tick_s
        self.evaluator = Evaluator(plant, cfg, kpi)
        self.levels = LevelStore(engine)
        self.engine = engine
        self.notifier = Notifier(cfg.notifications, engine, clock, channels)
        self.workflow = WarningWorkflow(cfg, plant, engine, clock, self.notifier)
        self.api = WarningApi(plant, engine, self.workflow, self.notifier)
        self._current: dict[str, str] | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def evaluate(self, now: float | None = None) -> list[RiskEvaluation]:
        """Evaluate every enterprise, store the evaluations and act on level changes (blocking)."""
        now = self.clock() if now is None else now
        if self._current is None:
            self._current = self.levels.current()
        records = kpi_records(self.engine, now - self.evaluator.window_s, now)
        saved = self.levels.save(self.evaluator.evaluate(records, now, self._current))
        changed = [e for e in saved if e.changed]
        self._current.update({e.enterprise: e.level for e in changed})
        self.workflow.apply_levels([(e.enterprise, e.level, e.at, e.id) for e in changed])
        return saved

    def restore(self) -> int:
        """After a restart: re-arm the pending timers and act on any stored level not yet acted on (blocking)."""
        pending = self.workflow.pending_timers()
        self.workflow.tick()  # deadlines that passed while the server was down act before any new evaluation
        self.workflow.apply_levels((r["enterprise"], r["level"], r["since"], r["evaluation_id"]) for r in self.levels.levels())
        return pending

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        pending = await loop.run_in_executor(None, self.restore)
        log.info("warning workflow started", extra={"ctx": {"pending_timers": pending}})
        self._tasks = [
            asyncio.create_task(
                self._every(self.cfg.evaluation.interval_s, lambda: loop.run_in_executor(None, self.evaluate)), name="risk-eval"
            ),
            asyncio.create_task(self._every(self.tick_s, lambda: loop.run_in_executor(None, self.workflow.tick)), name="risk-timers"),
            asyncio.create_task(
                self._every(self.tick_s, lambda: loop.run_in_executor(None, self.notifier.dispatch_due)), name="risk-notify"
            ),
        ]

    async def _every(self, period_s: float, job: Callable[[], Awaitable[object]]) -> None:
        while True:
            try:
                await job()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("risk job failed; it runs again in %.0f s", period_s)
            await asyncio.sleep(period_s)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
