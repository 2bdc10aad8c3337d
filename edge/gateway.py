"""``scada edge``: the acquisition side running at one enterprise (its IoT gateway 物联网主机).

Polls that enterprise's devices with the same drivers as the server (``Acquisition``) into a
local tag store, evaluates its own alarm thresholds with the same alarm engine (no journal: the
platform keeps that), and sends upstream, through the ``Uplink``: the values the historian's
recording policy would keep (changes beyond the deadband, quality changes, the heartbeat), device
health, and its alarm states as ``<TAG>_ALM`` samples for the platform's missed-alarm check.
The gateway's own online state is not sent: the platform derives it from the MQTT connection.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Callable
from pathlib import Path

from edge.config import UplinkConfig, load_uplink_config
from edge.crosscheck import status_samples
from edge.uplink import Uplink
from historian.config import load_historian_config
from historian.recording import RecordingPolicy
from historian.rows import US
from rules.config import load_alarm_config
from rules.engine import AlarmEngine, AlarmSubscription
from scada.config import Plant
from scada.drivers.acquisition import Acquisition, health_tags
from scada.drivers.health import gateway_tag
from scada.errors import ScadaError
from scada.gc_tuning import freeze_long_lived
from tags import Delivery, Subscription, TagBus, TagStore, TagUpdate

log = logging.getLogger(__name__)


def enterprise_plant(plant: Plant, code: str) -> Plant:
    """The plant cut down to one enterprise (what its gateway polls)."""
    try:
        return dataclasses.replace(plant, enterprises=(plant.enterprise(code),))
    except KeyError:
        known = ", ".join(e.enterprise.code for e in plant.enterprises)
        raise ScadaError(f"enterprise {code!r} is not in the configuration (enterprises: {known})") from None


class EdgeGateway:
    def __init__(
        self,
        plant: Plant,
        enterprise: str,
        config_dir: Path,
        data_dir: Path,
        clock: Callable[[], float] = time.time,
        uplink_config: UplinkConfig | None = None,
    ) -> None:
        self.plant = enterprise_plant(plant, enterprise)
        ent = self.plant.enterprises[0].enterprise
        self.clock = clock
        self.bus = TagBus()
        self.tags = TagStore(self.bus, clock)
        self.tags.define([p.tag for p in self.plant.points] + health_tags(self.plant))
        alarm_config = load_alarm_config(config_dir, plant)  # validated against the whole plant it was written for
        self.suffix = alarm_config.gateway_status.suffix
        self.alarms = AlarmEngine(self.plant, alarm_config, self.bus, None, clock)
        self.policy = RecordingPolicy(load_historian_config(Path(config_dir)))
        self.uplink = Uplink(uplink_config or load_uplink_config(config_dir), ent.code, ent.district, ent.gateway.id, data_dir, clock)
        self.acquisition = Acquisition(self.plant, self.tags.update, clock)
        self._own_link = gateway_tag(ent.code)
        self._stop = asyncio.Event()

    async def _forward_values(self, sub: Subscription) -> None:
        async for batch in sub:
            rows = self.policy.select(batch)
            self.uplink.offer(TagUpdate(r.tag, r.value, r.quality, r.t / US) for r in rows if r.tag != self._own_link)

    async def _forward_alarm_states(self, sub: AlarmSubscription) -> None:
        async for event in sub:
            samples = status_samples([event, *sub.take()], self.suffix) if self.suffix else []
            if samples:
                self.uplink.offer(samples)

    def stop(self) -> None:
        self._stop.set()

    async def run(self, duration_s: float | None = None) -> None:
        values = self.bus.subscribe("uplink", "*", delivery=Delivery.ALL, maxlen=500_000)  # before any driver runs
        alarm_states = self.alarms.subscribe()
        await self.alarms.start()
        tasks = [
            asyncio.create_task(self.uplink.run(), name="uplink"),
            asyncio.create_task(self._forward_values(values), name="uplink-values"),
            asyncio.create_task(self._forward_alarm_states(alarm_states), name="uplink-alarms"),
        ]
        self.acquisition.start()
        freeze_long_lived()  # the configuration and everything built from it: no GC walks over it per sample
        log.info("edge gateway running", extra={"ctx": {"enterprise": self.uplink.enterprise, "points": len(self.plant.points)}})
        try:
            if duration_s is not None:
                asyncio.get_running_loop().call_later(duration_s, self._stop.set)
            await self._stop.wait()
        finally:
            await self.acquisition.stop()
            await self.alarms.stop()
            values.close()
            alarm_states.close()
            await asyncio.gather(tasks[1], tasks[2], return_exceptions=True)
            self.uplink.flush()
            self.uplink.stop()
            await asyncio.gather(tasks[0], return_exceptions=True)
            log.info("edge gateway stopped", extra={"ctx": self.uplink.stats})
