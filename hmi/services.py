"""What the HMI needs from the running server, behind one object: plant, live snapshot, alarm actions, history.

Built from the ``Supervisor`` (``from_supervisor``) or, in tests, from real components without a
running loop. Alarm actions run on the event loop (the engine is not thread-safe): request threads
hand them over and wait for the answer, so an ``AlarmError`` reaches the operator as a message.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine

from hmi.live import LiveView, Snapshot, take_snapshot
from rules.engine import AlarmEngine
from scada.config import Plant
from scada.store import AuditEvent, AuditLog
from tags import TagStore

T = TypeVar("T")
ACTION_TIMEOUT_S = 10.0
FEED_LIMIT = 50  # unseen in-app notifications the banner reads (and marks seen at once)


@dataclass
class Providers:
    """Slots later issues fill: the warning workflow's level per enterprise and in-app feed
    (``connect_risk``), the governance issue's missing 10:00 commitments. ``None`` → the screens say
    the figure is not available yet."""

    warning_levels: Callable[[], dict[str, str | None]] | None = None  # enterprise → red/orange/yellow/blue (absent: not evaluated)
    commitments_missing: Callable[[], set[str]] | None = None  # enterprises without today's commitment
    warning_feed: Callable[[str, str], list[dict[str, Any]]] | None = None  # (tier, code) → that unit's unseen in-app notifications

    def connect_risk(self, risk: Any) -> None:
        """The warning workflow (``risk.service.RiskService``) fills its slots left empty: each enterprise's
        current level as its evaluations stored it (``risk_levels``), and the in-app feed through its scoped
        API — a unit's unseen notifications, newest first, ``sound`` true on warnings and notices until seen."""
        from risk.scope import Scope

        if self.warning_levels is None:
            self.warning_levels = risk.levels.current
        if self.warning_feed is None:
            self.warning_feed = lambda tier, code: risk.api.feed(Scope(tier, code), unseen_only=True, limit=FEED_LIMIT)


@dataclass
class HmiServices:
    plant_of: Callable[[], Plant]
    tags: TagStore
    alarms: AlarmEngine
    engine: Engine
    data_dir: Path
    historian: Any = None  # historian.service.Historian when running
    clock: Callable[[], float] = time.time
    loop: asyncio.AbstractEventLoop | None = None
    providers: Providers = field(default_factory=Providers)
    risk: Any = None  # risk.service.RiskService: the server's; None → the warnings slot builds one (risk.pages)
    live: LiveView = field(init=False)

    def __post_init__(self) -> None:
        self.audit = AuditLog(self.engine)
        self.live = LiveView(self._take, on_loop=self.loop is not None)
        # Per unit (and for the levels): the last answer and the snapshot it was read for — every browser
        # polls every second, the store is read at most once per snapshot (4 times a second on the server).
        self._levels: tuple[Snapshot | None, dict[str, str | None]] = (None, {})
        self._feeds: dict[str, tuple[Snapshot, list[dict[str, Any]]]] = {}
        if self.risk is not None:
            self.use_risk(self.risk)

    def use_risk(self, risk: Any) -> None:
        """The warning workflow's service: its current levels colour the screens, its in-app feed reaches the banner."""
        self.risk = risk
        self.providers.connect_risk(risk)

    @classmethod
    def from_supervisor(cls, sup: Any, loop: asyncio.AbstractEventLoop) -> HmiServices:
        """On the server's parts; its ``risk`` service (when it has one) provides the warning levels and the feed."""
        return cls(
            lambda: sup.plant,
            sup.tags,
            sup.alarms,
            sup.engine,
            sup.settings.data_dir,
            sup.historian,
            sup.clock,
            loop,
            risk=getattr(sup, "risk", None),
        )

    @property
    def plant(self) -> Plant:
        return self.plant_of()

    def _take(self) -> Snapshot:
        plant = self.plant
        ents = [f.enterprise.code for f in plant.enterprises]
        alarms = self.alarms
        return take_snapshot(self.tags, alarms.active(), ents, alarms.config.rank, self.clock(), alarms.out_of_service_tags())

    def snapshot(self) -> Snapshot:
        return self.live.current()

    def priorities(self) -> list[tuple[str, str, str]]:
        """(name, colour, label) highest first, from alarms.yaml."""
        return [(p.name, p.colour, p.label) for p in self.alarms.config.priorities]

    @property
    def levels_connected(self) -> bool:
        """Whether the warning workflow provides the levels (else the screens show the interim colouring)."""
        return self.providers.warning_levels is not None

    def warning_levels(self, snap: Snapshot) -> dict[str, str | None]:
        """The warning level per enterprise: from the warning workflow once it is plugged in; until then the
        colour of the worst annunciated active alarm (the same red/orange/yellow/blue scale)."""
        provider = self.providers.warning_levels
        if provider is not None:
            at, levels = self._levels
            if at is not snap:
                levels = dict(provider())
                self._levels = (snap, levels)
            return levels
        colours = {name: colour for name, colour, _ in self.priorities()}
        return {e: colours.get(s.worst) if s.worst else None for e, s in snap.enterprises.items()}

    def warning_feed(self, tier: str, code: str, snap: Snapshot) -> list[dict[str, Any]]:
        """The unseen in-app notifications of the unit ``tier:code`` — the signed-in user's own unit, never
        another's — newest first; empty without the warning workflow."""
        provider = self.providers.warning_feed
        if provider is None:
            return []
        unit = f"{tier}:{code}"
        hit = self._feeds.get(unit)
        if hit is not None and hit[0] is snap:
            return hit[1]
        rows = provider(tier, code)
        self._feeds[unit] = (snap, rows)
        return rows

    def on_loop(self, fn: Callable[[], T]) -> T:
        """Run ``fn`` on the event loop thread and return its result (or raise its exception)."""
        loop = self.loop
        try:
            here = asyncio.get_running_loop()
        except RuntimeError:
            here = None
        if loop is None or not loop.is_running() or here is loop:
            return fn()

        async def call() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(ACTION_TIMEOUT_S)

    def alarm_action(self, user: str, action: str, alarm_id: str, **kwargs: Any) -> None:
        """Acknowledge / shelve / unshelve on the loop, refresh the snapshot, then audit (blocking, here in the request thread)."""
        method = getattr(self.alarms, action)

        def run() -> None:
            method(alarm_id, user, **kwargs)
            self.live.refresh()

        self.on_loop(run)
        self.audit.record(AuditEvent(user, f"alarm.{action}", alarm_id, {k: v for k, v in kwargs.items() if v is not None}))
