"""Acquisition: one driver per configured device, all publishing into the tag store.

Builds the drivers for a plant, defines the device and gateway health points, and runs every
driver in its own task (one slow or dead device never delays another).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from scada.config import Plant, PointRef
from scada.config.schema import ModbusDevice
from scada.drivers.health import DeviceHealth, GatewayHealth, Publish, device_tag, gateway_tag
from scada.drivers.modbus import ModbusDriver
from scada.drivers.opcua import OpcUaDriver

Driver = ModbusDriver | OpcUaDriver


def health_tags(plant: Plant) -> list[str]:
    tags = []
    for ent in plant.enterprises:
        tags.append(gateway_tag(ent.enterprise.code))
        tags.extend(device_tag(ent.enterprise.code, d.id) for d in ent.devices)
    return tags


class Acquisition:
    def __init__(self, plant: Plant, publish: Publish, clock: Callable[[], float] = time.time) -> None:
        scan_periods = {name: sc.period_s for name, sc in plant.site.scan_classes.items()}
        by_device: dict[tuple[str, str], list[PointRef]] = {}
        for ref in plant.points:
            by_device.setdefault((ref.enterprise.code, ref.device.id), []).append(ref)
        self.drivers: list[Driver] = []
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
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(d.run(), name=f"driver {d.health.tag}") for d in self.drivers]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for driver in self.drivers:
            # pymodbus can swallow a cancellation and wait on the request it interrupted; closing
            # the connection fails that request, so the driver sees its cancellation and ends.
            driver.close_connection()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def set_out_of_service(self, tags: set[str]) -> None:
        for d in self.drivers:
            d.set_out_of_service(tags)
