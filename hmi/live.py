"""Live state for the screens: an immutable snapshot of tag values and alarms, taken on the event loop.

The tag store and the alarm engine live on the asyncio loop and are not thread-safe; the HMI's
request threads must never iterate them. A task on the loop copies what the screens need every
``period_s`` into a frozen ``Snapshot`` (with per-enterprise summaries precomputed once, not per
request), and request threads just read the latest reference: cheap for 50 polling sessions.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from rules.events import ActiveAlarm
from tags import TagStore, TagValue, is_bad


@dataclass(frozen=True, slots=True)
class EnterpriseSummary:
    alarms: dict[str, int]  # annunciated active alarms per priority
    unacked: int
    worst: str | None  # worst priority among annunciated active alarms
    gateway_online: bool | None  # None: unknown yet
    devices_offline: int
    devices: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    at: float
    values: dict[str, TagValue]
    alarms: tuple[ActiveAlarm, ...]
    worst_by_source: dict[str, tuple[str, bool]] = field(default_factory=dict)  # source → (priority, acknowledged)
    enterprises: dict[str, EnterpriseSummary] = field(default_factory=dict)
    cameras: dict[str, tuple[bool | None, str]] = field(default_factory=dict)  # "E01.CAM01" → (online, status)
    out_of_service: dict[str, str] = field(default_factory=dict)  # tag → declaration (approved 停用报备), marked on the screens


def _camera_states(values: dict[str, TagValue]) -> dict[str, tuple[bool | None, str]]:
    out: dict[str, list] = {}
    for tag, v in values.items():
        parts = tag.split(".")
        if len(parts) == 4 and parts[1] == "_video" and parts[3] in ("online", "status"):
            entry = out.setdefault(f"{parts[0]}.{parts[2]}", [None, ""])
            if parts[3] == "online":
                entry[0] = None if is_bad(v.quality) else bool(v.value)
            else:
                entry[1] = "" if v.value is None else str(v.value)
    return {k: (o, s) for k, (o, s) in out.items()}


def take_snapshot(
    tags: TagStore,
    active: list[ActiveAlarm],
    enterprises: list[str],
    rank: Callable[[str], int],
    now: float,
    out_of_service: dict[str, str] | None = None,
) -> Snapshot:
    """Copy and summarise (on the loop thread); ``out_of_service`` is the alarm engine's ``out_of_service_tags()``."""
    values = tags.snapshot()
    worst: dict[str, tuple[str, bool]] = {}
    counts: dict[str, dict[str, int]] = {e: {} for e in enterprises}
    unacked = dict.fromkeys(enterprises, 0)
    for a in active:
        if not a.state.annunciated or not (a.state.active or not a.state.acked):
            continue
        ent = a.alarm.enterprise
        if a.state.active:
            c = counts.setdefault(ent, {})
            c[a.priority] = c.get(a.priority, 0) + 1
        if not a.state.acked:
            unacked[ent] = unacked.get(ent, 0) + 1
        prev = worst.get(a.alarm.source)
        if prev is None or rank(a.priority) < rank(prev[0]) or (prev[0] == a.priority and not a.state.acked):
            worst[a.alarm.source] = (a.priority, a.state.acked)
    summaries = {}
    for ent in enterprises:
        gw = values.get(f"{ent}._gateway.online")
        devices = [v for t, v in values.items() if t.startswith(f"{ent}._device.") and t.endswith(".online")]
        c = counts.get(ent, {})
        summaries[ent] = EnterpriseSummary(
            alarms=c,
            unacked=unacked.get(ent, 0),
            worst=min(c, key=rank) if c else None,
            gateway_online=None if gw is None or gw.value is None else bool(gw.value) and not is_bad(gw.quality),
            devices_offline=sum(1 for v in devices if not v.value or is_bad(v.quality)),
            devices=len(devices),
        )
    return Snapshot(now, values, tuple(active), worst, summaries, _camera_states(values), dict(out_of_service or {}))


class LiveView:
    """Holds the latest snapshot; ``refresh`` runs on the loop (a task) or, without a loop, on each read."""

    def __init__(self, take: Callable[[], Snapshot], period_s: float = 0.25, on_loop: bool = True) -> None:
        self._take = take
        self.period_s = period_s
        self.on_loop = on_loop
        self._snapshot: Snapshot | None = None

    def refresh(self) -> Snapshot:
        self._snapshot = self._take()
        return self._snapshot

    def current(self) -> Snapshot:
        snap = self._snapshot
        if snap is None or not self.on_loop:
            return self.refresh()
        return snap

    async def run(self) -> None:
        while True:
            self.refresh()
            await asyncio.sleep(self.period_s)
