"""The running server: owns the active plant, the tag store and bus, and the relational store.

Configuration is applied whole or not at all: ``reload`` keeps the last good plant when the new
tree fails validation. Drivers, rules, historian and HMI attach here as their issues land; they
receive values from the tag bus and never reach into each other.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from historian.config import load_historian_config
from historian.service import Historian
from historian.status import STATUS_TAGS as HISTORIAN_STATUS_TAGS
from rules.config import load_alarm_config
from rules.engine import AlarmEngine
from scada.config import ConfigError, Plant, load_plant
from scada.drivers.acquisition import Acquisition, health_tags
from scada.settings import Settings
from scada.store import AuditEvent, AuditLog, connect, upgrade
from scada.store.offline import OfflineLog
from tags import Quality, Subscription, TagBus, TagStore, is_good

log = logging.getLogger(__name__)


class Supervisor:
    def __init__(self, settings: Settings, plant: Plant, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        self.clock = clock
        self.bus = TagBus()
        self.tags = TagStore(self.bus, clock)
        self.plant = plant
        self.engine = connect(settings.effective_database_url)
        self.audit = AuditLog(self.engine)
        self._stop = asyncio.Event()
        self.tags.define(p.tag for p in plant.points)
        self.tags.define(health_tags(plant))
        self.acquisition: Acquisition | None = None
        # Alarm rules follow the plant loaded at start (like the drivers); a bad alarms.yaml stops the start.
        self.alarms = AlarmEngine(plant, load_alarm_config(settings.config_dir, plant), self.bus, self.engine, clock)
        self.historian: Historian | None = None

    def _load(self, path: Path) -> Plant | None:
        """Parse and validate a tree (blocking); log every error and return None when invalid."""
        try:
            return load_plant(path)
        except ConfigError as exc:
            ctx = {"errors": len(exc.issues), "hash": self.plant.content_hash[:12]}
            log.error("configuration rejected; keeping the running one", extra={"ctx": ctx})
            for issue in exc.issues:
                log.error("%s", issue)
            return None

    def _apply(self, plant: Plant) -> AuditEvent:
        """Switch to a validated plant (on the event-loop thread: it touches the tag bus)."""
        self.plant = plant
        self.tags.define(p.tag for p in plant.points)
        self.tags.define(health_tags(plant))
        log.info("configuration applied", extra={"ctx": {"hash": plant.content_hash[:12], "points": len(plant.points)}})
        detail = {"hash": plant.content_hash, "points": len(plant.points)}
        return AuditEvent("system", "config.applied", str(self.settings.config_dir), detail)

    def reload(self) -> bool:
        """Apply the changed configuration tree; on any error keep the current plant and return False. Blocking."""
        plant = self._load(self.settings.config_dir)
        if plant is None:
            return False
        self.audit.record(self._apply(plant))
        return True

    async def async_reload(self) -> bool:
        # Parsing a tree takes ~0.1 s and the audit write is a blocking database call: both run in
        # an executor; only the switch itself runs on the loop.
        loop = asyncio.get_running_loop()
        plant = await loop.run_in_executor(None, self._load, self.settings.config_dir)
        if plant is None:
            return False
        await loop.run_in_executor(None, self.audit.record, self._apply(plant))
        return True

    def status(self) -> dict[str, object]:
        values = [self.tags.get(p.tag) for p in self.plant.points]
        drivers = self.acquisition.drivers if self.acquisition else []
        return {
            "points": len(values),
            "good": sum(1 for v in values if is_good(v.quality)),
            "waiting_for_data": sum(1 for v in values if v.quality == Quality.BAD_WAITING_FOR_INITIAL_DATA),
            "devices": len(drivers),
            "devices_online": sum(1 for d in drivers if d.health.online),
            "unknown_updates": self.tags.unknown_updates,
            "bus_dropped": sum(s.dropped for s in self.bus.subscriptions),
        }

    async def _record_offline_episodes(self, sub: Subscription) -> None:
        """Device online/offline edges from the tag bus → offline episodes in the store (art. 19)."""
        log_ = OfflineLog(self.engine)
        loop = asyncio.get_running_loop()
        try:
            async for batch in sub:
                for value in batch:
                    enterprise, _, device, _ = value.tag.split(".")
                    at = datetime.fromtimestamp(value.source_time, UTC)
                    await loop.run_in_executor(None, log_.device_edge, enterprise, device, bool(value.value), at)
        finally:
            sub.close()

    def stop(self) -> None:
        self._stop.set()

    def _start_historian(self) -> asyncio.Task[None]:
        """Subscribe the historian before any producer starts, so the first values are recorded."""
        self.historian = Historian(load_historian_config(self.settings.config_dir), self.settings.data_dir, self.clock, self.tags.update)
        self.tags.define(HISTORIAN_STATUS_TAGS)
        self.historian.subscribe(self.bus)
        return asyncio.create_task(self.historian.run(self.bus), name="historian")

    async def _stop_historian(self, task: asyncio.Task[None]) -> None:
        """Flush what the historian holds (to its store or its disk buffer), then close it."""
        assert self.historian is not None
        self.historian.stop()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(None, self.historian.close)

    async def run(self, duration_s: float | None = None, acquire: bool = True) -> None:
        """Serve until stopped; ``acquire`` polls every configured device (drivers follow the plant
        loaded at start: a reload changes limits and points for consumers, drivers restart with the server)."""
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, upgrade, self.engine)
        await loop.run_in_executor(
            None,
            self.audit.record,
            AuditEvent(
                "system",
                "server.started",
                str(self.settings.config_dir),
                {"hash": self.plant.content_hash, "points": len(self.plant.points)},
            ),
        )
        await self.alarms.start()  # restores the persisted alarm table before any value arrives
        reloads: set[asyncio.Task[bool]] = set()

        def on_sighup() -> None:
            task = asyncio.create_task(self.async_reload())
            reloads.add(task)
            task.add_done_callback(reloads.discard)

        for sig, handler in ((signal.SIGINT, self.stop), (signal.SIGTERM, self.stop), (signal.SIGHUP, on_sighup)):
            loop.add_signal_handler(sig, handler)
        historian_task = self._start_historian()
        if acquire:
            self.acquisition = Acquisition(self.plant, self.tags.update)
            edges = self.bus.subscribe("offline-episodes", "*._device.*.online")  # before any driver runs
            recorder = asyncio.create_task(self._record_offline_episodes(edges), name="offline-episodes")
            self.acquisition.start()
        log.info(
            "server running",
            extra={
                "ctx": {"config": self.settings.config_dir, "store": self.engine.url.render_as_string(hide_password=True), **self.status()}
            },
        )
        try:
            if duration_s is not None:
                loop.call_later(duration_s, self.stop)
            while not self._stop.is_set():
                try:
                    await asyncio.wait_for(self._stop.wait(), self.settings.status_interval_s)
                except TimeoutError:
                    log.info("status", extra={"ctx": self.status()})
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            if self.acquisition is not None:
                await self.acquisition.stop()
                recorder.cancel()
            await self._stop_historian(historian_task)
            if reloads:  # a reload in progress finishes (and is audited) before the stop is recorded
                await asyncio.gather(*reloads, return_exceptions=True)
            await self.alarms.stop()  # writes the last transitions to the journal
            await loop.run_in_executor(None, self.audit.record, AuditEvent("system", "server.stopped", str(self.settings.config_dir)))
            self.engine.dispose()
            log.info("server stopped")
