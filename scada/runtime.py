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
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from historian.config import load_historian_config
from historian.service import Historian
from historian.status import STATUS_TAGS as HISTORIAN_STATUS_TAGS
from risk.config import load_risk_config
from risk.service import RiskService
from rules.config import load_alarm_config
from rules.engine import AlarmEngine
from scada.config import Plant
from scada.drivers.acquisition import Acquisition, health_tags
from scada.errors import ScadaError
from scada.gc_tuning import freeze_long_lived
from scada.settings import Settings
from scada.store import AuditEvent, AuditLog, connect, upgrade
from scada.store.offline import OfflineLog
from tags import Quality, Subscription, TagBus, TagStore, is_good
from video.checker import VideoChecker, video_tags
from video.config import load_cameras

log = logging.getLogger(__name__)


class Supervisor:
    def __init__(self, settings: Settings, plant: Plant, clock: Callable[[], float] = time.time) -> None:
        self.settings = settings
        if settings.source not in ("poll", "mqtt"):
            raise ScadaError(f"source {settings.source!r}: choose poll (drivers poll the devices) or mqtt (edge gateways via the broker)")
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
        # Enterprise warning level and warning workflow (risk/): evaluation every minute, deadlines, notifications.
        self.risk = RiskService(plant, load_risk_config(settings.config_dir, plant), self.alarms.config.kpi, self.engine, clock)
        self.historian: Historian | None = None
        # Cameras too follow the configuration loaded at start; a bad cameras.yaml stops the start.
        self.cameras = load_cameras(settings.config_dir, plant)
        self.video: VideoChecker | None = None

    async def async_reload(self, actor: str = "system", reason: str = "reload") -> bool:
        """Hot reload (engineering/reload.py): apply the changed tree without a restart; a tree that fails its
        check changes nothing (its errors are logged as check-config prints them). Every applied tree is a version."""
        from engineering.reload import hot_reload

        return (await hot_reload(self, actor, reason)).ok

    def reload(self, actor: str = "system", reason: str = "reload") -> bool:
        """The same, blocking, for scripts and tests without a running loop."""
        return asyncio.run(self.async_reload(actor, reason))

    async def _serve_reload(self) -> bool:
        from engineering.reload import serve_reload

        return (await serve_reload(self)).ok

    def hmi_extensions(self) -> list[Callable[[Any], None]]:
        """Pages and blueprints of later issues, registered on the HMI when it starts."""
        from engineering.web import extension

        return [extension(self)]

    def _engineering_started(self) -> None:
        from engineering.reload import started

        started(self)

    def status(self) -> dict[str, object]:
        # One pass over the qualities (440,000 points at national scale); run() calls this in a thread.
        qualities = Counter(self.tags.get(p.tag).quality for p in self.plant.points)
        drivers = self.acquisition.drivers if self.acquisition else []
        return {
            "points": len(self.plant.points),
            "good": sum(n for q, n in qualities.items() if is_good(q)),
            "waiting_for_data": qualities[Quality.BAD_WAITING_FOR_INITIAL_DATA],
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
                    parts = value.tag.split(".")  # ENT._device.DEV.online, or ENT._gateway.online (device "_gateway")
                    enterprise, device = parts[0], parts[2] if len(parts) == 4 else "_gateway"
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
        # With gateways as the source, their values are stored (then acknowledged) by the edge ingest itself.
        self.historian.subscribe(self.bus, self._edge_local_tags() if self.settings.source == "mqtt" else "*")
        return asyncio.create_task(self.historian.run(self.bus), name="historian")

    async def _stop_historian(self, task: asyncio.Task[None]) -> None:
        """Flush what the historian holds (to its store or its disk buffer), then close it."""
        assert self.historian is not None
        self.historian.stop()
        await asyncio.gather(task, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(None, self.historian.close)

    @staticmethod
    def _edge_local_tags() -> tuple[str, ...]:
        from edge.serve import LOCAL_TAGS

        return LOCAL_TAGS

    async def _start_edge(self) -> Any:
        """Consume the edge gateways' streams from the broker (and HTTP push) instead of polling (edge/)."""
        from edge.serve import EdgeService

        service = EdgeService(self)
        await service.start()
        return service

    def _start_video(self) -> VideoChecker:
        """Camera liveness checks: statuses on the bus as ENT._video.CAM.online / .status (video/)."""
        self.tags.define(video_tags(self.cameras))
        checker = VideoChecker(self.cameras, self.tags.update, data_dir=self.settings.data_dir, engine=self.engine, clock=self.clock)
        checker.start()
        return checker

    async def _start_hmi(self) -> tuple[Any, asyncio.Task[None]] | None:
        """Screens and REST API (hmi/) on ``hmi_port``; 0 turns them off."""
        if not self.settings.hmi_port:
            return None
        from hmi.server import start_hmi

        return await start_hmi(self)

    async def _stop_hmi(self, server: Any, live: asyncio.Task[None]) -> None:
        live.cancel()
        await asyncio.gather(live, return_exceptions=True)
        await asyncio.get_running_loop().run_in_executor(None, server.stop)

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
        await loop.run_in_executor(None, self._engineering_started)  # pid file for `scada reload`; the tree in use as a version
        await self.alarms.start()  # restores the persisted alarm table before any value arrives
        await self.risk.start()  # re-arms pending warning deadlines (risk_timers) before the first evaluation
        from governance.service import start_governance  # commitments, declarations, monthly reports (governance/)

        self.governance, governance_task = await start_governance(self)
        reloads: set[asyncio.Task[bool]] = set()

        def on_sighup() -> None:
            task = asyncio.create_task(self._serve_reload())
            reloads.add(task)
            task.add_done_callback(reloads.discard)

        for sig, handler in ((signal.SIGINT, self.stop), (signal.SIGTERM, self.stop), (signal.SIGHUP, on_sighup)):
            loop.add_signal_handler(sig, handler)
        historian_task = self._start_historian()
        hmi = await self._start_hmi()
        edge = await self._start_edge() if self.settings.source == "mqtt" else None
        if acquire and edge is None:
            self.acquisition = Acquisition(self.plant, self.tags.update)
            edges = self.bus.subscribe("offline-episodes", ["*._device.*.online", "*._gateway.online"])  # before any driver runs
            recorder = asyncio.create_task(self._record_offline_episodes(edges), name="offline-episodes")
            self.acquisition.start()
            self.video = self._start_video()
        freeze_long_lived()  # the configuration and everything built from it: no GC walks over it per sample
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
                    # Counted in a thread: at 440,000 points the count held the event loop for ~0.5 s.
                    log.info("status", extra={"ctx": await loop.run_in_executor(None, self.status)})
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
                loop.remove_signal_handler(sig)
            if hmi is not None:
                await self._stop_hmi(*hmi)
            if edge is not None:
                await edge.stop()
            if self.acquisition is not None:
                await self.acquisition.stop()
                recorder.cancel()
            if self.video is not None:
                await self.video.stop()
            await self._stop_historian(historian_task)
            if reloads:  # a reload in progress finishes (and is audited) before the stop is recorded
                await asyncio.gather(*reloads, return_exceptions=True)
            governance_task.cancel()
            await asyncio.gather(governance_task, return_exceptions=True)
            await self.risk.stop()
            await self.alarms.stop()  # writes the last transitions to the journal
            await loop.run_in_executor(None, self.audit.record, AuditEvent("system", "server.stopped", str(self.settings.config_dir)))
            (self.settings.data_dir / "scada.pid").unlink(missing_ok=True)
            self.engine.dispose()
            log.info("server stopped")
