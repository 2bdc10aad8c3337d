"""Device and gateway health: online/offline, offline episodes and per-day counts.

Each driver reports every poll or connection outcome to its ``DeviceHealth``; only the edges
(online→offline, offline→online) change anything: they are logged once, recorded as an
episode and published on the tag bus as ``<ENT>._device.<ID>.online`` (bool), so the alarm
engine and historian see them like any other point. The enterprise's gateway point
``<ENT>._gateway.online`` is offline while every one of its devices is offline.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from tags import Quality, TagUpdate

log = logging.getLogger(__name__)

Publish = Callable[[list[TagUpdate]], None]
GOOD = int(Quality.GOOD)


def device_tag(enterprise: str, device: str) -> str:
    return f"{enterprise}._device.{device}.online"


def gateway_tag(enterprise: str) -> str:
    return f"{enterprise}._gateway.online"


@dataclass(slots=True)
class Episode:
    """One offline period; ``end`` is None while it lasts."""

    start: float
    end: float | None = None
    reason: str = ""

    def duration(self, now: float) -> float:
        return (self.end if self.end is not None else now) - self.start


@dataclass
class DeviceHealth:
    enterprise: str
    device: str
    publish: Publish
    clock: Callable[[], float]
    on_change: Callable[[DeviceHealth], None] | None = None
    online: bool | None = None  # None until the first outcome
    episodes: list[Episode] = field(default_factory=list)

    @property
    def tag(self) -> str:
        return device_tag(self.enterprise, self.device)

    def succeeded(self) -> None:
        if self.online is True:
            return
        now = self.clock()
        if self.online is False and self.episodes and self.episodes[-1].end is None:
            self.episodes[-1].end = now
            log.info("device back online", extra={"ctx": {"device": self.tag, "offline_s": round(self.episodes[-1].duration(now), 1)}})
        self._set(True, now)

    def failed(self, reason: str) -> None:
        if self.online is False:
            return
        now = self.clock()
        self.episodes.append(Episode(now, None, reason))
        log.warning("device offline", extra={"ctx": {"device": self.tag, "reason": reason}})
        self._set(False, now)

    def _set(self, online: bool, now: float) -> None:
        self.online = online
        self.publish([TagUpdate(self.tag, online, GOOD, now)])
        if self.on_change is not None:
            self.on_change(self)

    def offline_count(self, day: date) -> int:
        return sum(1 for e in self.episodes if datetime.fromtimestamp(e.start, UTC).date() == day)

    def offline_seconds(self, day: date) -> float:
        """Offline time that falls on ``day`` (UTC)."""
        start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
        end = start + 86400
        now = self.clock()
        total = 0.0
        for e in self.episodes:
            a, b = max(e.start, start), min(e.end if e.end is not None else now, end)
            total += max(0.0, b - a)
        return total


class GatewayHealth:
    """An enterprise's gateway is online while at least one of its devices is online."""

    def __init__(self, enterprise: str, publish: Publish, clock: Callable[[], float]) -> None:
        self.enterprise = enterprise
        self.devices: list[DeviceHealth] = []
        self._publish = publish
        self._clock = clock
        self.online: bool | None = None

    def add(self, device: DeviceHealth) -> None:
        self.devices.append(device)
        device.on_change = self._update

    def _update(self, _device: DeviceHealth) -> None:
        known = [d.online for d in self.devices if d.online is not None]
        online = any(known)
        if online != self.online and (online or len(known) == len(self.devices)):
            self.online = online
            self._publish([TagUpdate(gateway_tag(self.enterprise), online, GOOD, self._clock())])
