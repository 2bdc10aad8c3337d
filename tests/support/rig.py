"""Wiring for driver tests: simulator + real drivers + a real tag store, plus polling helpers."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

from scada.config import Plant
from scada.drivers.acquisition import Acquisition, health_tags
from scada.simulator.plant import PlantSimulator
from tags import TagBus, TagStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rig:
    def __init__(self, plant: Plant, *, sim_clock: Callable[[], float] = time.time, update_period_s: float = 0.1) -> None:
        self.plant = plant
        self.bus = TagBus()
        self.store = TagStore(self.bus)
        self.store.define([p.tag for p in plant.points] + health_tags(plant))
        self.sim = PlantSimulator(plant, update_period_s=update_period_s, clock=sim_clock)
        self.acq = Acquisition(plant, self.store.update)

    def driver(self, device_id: str):
        return next(d for d in self.acq.drivers if d.device.id == device_id)

    async def __aenter__(self) -> Rig:
        await self.sim.start()
        self.acq.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.acq.stop()
        await self.sim.stop()


async def wait_for(condition: Callable[[], bool], timeout: float = 10.0, what: str = "condition") -> float:
    """Poll ``condition`` every 10 ms; return the seconds it took, fail after ``timeout``."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        await asyncio.sleep(0.01)
    return time.monotonic() - start
