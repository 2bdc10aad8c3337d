"""Acquisition: one driver per configured device, all publishing into the tag store.

Builds the drivers for a plant, defines the device and gateway health points, and runs every
driver in its own task (one slow or dead device never delays another).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from scada.config import Plant, PointRef
from scada.config.schema import ModbusDevice
from scada.drivers.health import DeviceHealth, GatewayHealth, Publish, device_tag, gateway_tag
from scada.drivers.modbus import ModbusDriver
from scada.drivers.opcua import OpcUaDriver
from scada.tasks import cancel_and_wait

Driver = ModbusDriver | OpcUaDriver


def health_tags(plant: Plant) -> list[str]:
    tags = []
    for ent in plant.enterprises:
        tags.append(gateway_tag(ent.enterprise.code))
        tags.extend(device_tag(ent.enterprise.code, d.id) for d in ent.devices)
    return tags


class Acquisition:
    def __init__(self, plant: Plant, publish: Publish, clock: Callable[[], float] = time.time) -> None:
        self._publish, self._clock = publish, clock
        scan_periods = {name: sc.period_s for name, sc in plant.site.scan_classes.items()}
        by_device: dict[tuple[str, str], list[PointRef]] = {}
        for ref in plant.points:
            by_device.setdefault((ref.enterprise.code, ref.device.id), []).append(ref)
        self.drivers: list[Driver] = []
        self.signatures: dict[str, tuple[object, ...]] = {}  # health tag → what its driver acquires (for a hot reload)
        self.gateways: dict[str, GatewayHealth] = {}
        for ent in plant.enterprises:
            code = ent.enterprise.code
            gateway = self.gateways[code] = GatewayHealth(code, publish, clock)
            for device in ent.devices:
                points = by_device.get((code, device.id), [])
                if not points:
                    continue
                health = DeviceHealth(code, device.id, publish, clock)
                gateway.add(health)
                driver_class = ModbusDriver if isinstance(device, ModbusDevice) else OpcUaDriver
                self.drivers.append(driver_class(device, points, scan_periods, publish, health, clock=clock))  # type: ignore[arg-type]
                self.signatures[health.tag] = _signature(device, points, scan_periods)
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(d.run(), name=f"driver {d.health.tag}") for d in self.drivers]

    async def reconfigure(self, plant: Plant) -> list[str]:
        """Hot reload: restart only the drivers whose device, points or scan periods changed (a new
        driver keeps the old one's health, so no offline edge is invented); returns their health tags."""
        new = Acquisition(plant, self._publish, self._clock)
        old = {d.health.tag: (d, t) for d, t in zip(self.drivers, self._tasks, strict=False)}
        drivers, tasks, restarted = [], [], []
        for d in new.drivers:
            kept = old.pop(d.health.tag, None)
            if kept is not None and self.signatures.get(d.health.tag) == new.signatures[d.health.tag]:
                drivers.append(kept[0])
                tasks.append(kept[1])
                continue
            if kept is not None:
                await _stop_driver(*kept)
                d.health = kept[0].health  # the gateway health built below takes it over
            restarted.append(d.health.tag)
            drivers.append(d)
            tasks.append(asyncio.create_task(d.run(), name=f"driver {d.health.tag}"))
        for d, t in old.values():  # devices no longer configured
            await _stop_driver(d, t)
            restarted.append(d.health.tag)
        for code, gateway in new.gateways.items():
            gateway.devices = []
            for d in drivers:
                if d.health.enterprise == code:
                    gateway.add(d.health)
            previous = self.gateways.get(code)
            gateway.online = previous.online if previous is not None else None
        self.drivers, self._tasks, self.gateways, self.signatures = drivers, tasks, new.gateways, new.signatures
        return restarted

    async def stop(self) -> None:
        await asyncio.gather(*(_stop_driver(d, t) for d, t in zip(self.drivers, self._tasks, strict=False)))
        self._tasks = []

    def set_out_of_service(self, tags: set[str]) -> None:
        for d in self.drivers:
            d.set_out_of_service(tags)


def _signature(device: object, refs: list[PointRef], periods: dict[str, float]) -> tuple[object, ...]:
    """What a driver acquires: its device and, per point, every field acquisition uses (limits are not among them)."""
    fields = tuple((r.tag, r.point.source, r.point.range, r.point.out_of_range_quality, r.point.scan_class, r.point.deadband) for r in refs)
    return device, fields, tuple(sorted((c, periods[c]) for c in {r.point.scan_class for r in refs}))


async def _stop_driver(driver: Driver, task: asyncio.Task[None]) -> None:
    """Cancel a driver until it has ended; closing its connection fails the request it may wait on."""
    await cancel_and_wait(task, driver.close_connection, driver.health.tag)
