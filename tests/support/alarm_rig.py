"""A real tag store and bus feeding a real alarm engine, on a controllable clock."""

from __future__ import annotations

from rules.config import AlarmConfig
from rules.engine import AlarmEngine
from tags import OverflowPolicy, Quality, TagBus, TagStore, TagUpdate

GOOD = int(Quality.GOOD)


class Clock:
    def __init__(self, t: float = 1_700_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class Plant:
    """Drive values through TagStore → TagBus → AlarmEngine; advance time with ``at``."""

    def __init__(self, plant, config: AlarmConfig, store_engine=None, extra_tags=()) -> None:  # type: ignore[no-untyped-def]
        self.clock = Clock()
        self.bus = TagBus()
        self.store = TagStore(self.bus, self.clock)
        from scada.drivers.acquisition import health_tags

        self.store.define([p.tag for p in plant.points] + health_tags(plant) + list(extra_tags))
        self.sub = self.bus.subscribe("alarms", "*", policy=OverflowPolicy.CONFLATE)
        self.engine = AlarmEngine(plant, config, store=store_engine, clock=self.clock)
        self.events = self.engine.subscribe()

    def set(self, tag: str, value, quality: int = GOOD) -> None:  # type: ignore[no-untyped-def]
        self.store.update([TagUpdate(tag, value, quality, self.clock.t)])
        self.engine.process(self.sub.take())

    def at(self, t: float) -> None:
        """Move the clock to ``t`` seconds after the start and run the engine's timers."""
        self.clock.t = 1_700_000_000.0 + t
        self.engine.tick(self.clock.t)

    def transitions(self, alarm_id: str | None = None) -> list[tuple[str, str]]:
        return [(e.transition, e.state.isa) for e in self.events.take() if alarm_id is None or e.alarm_id == alarm_id]

    def state(self, alarm_id: str) -> str:
        return self.engine.table.state(alarm_id).isa
