"""Run the whole plant's simulated devices and keep their values moving.

One Modbus TCP server per configured host:port (devices told apart by unit id) and one OPC UA
server per endpoint. Every ``update_period_s`` each point's signal is computed and written into
its server (Modbus: encoded into registers with the driver's own codec).
Faults: ``inject_point`` / ``clear_point`` for a point, ``set_device_fault`` for a device.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from scada.config import Plant, PointRef
from scada.config.schema import ModbusDevice, ModbusSource, OpcUaDevice, OpcUaSource
from scada.drivers.modbus_codec import Codec
from scada.errors import ScadaError
from scada.simulator.modbus_server import ModbusSimServer, UnitImage
from scada.simulator.opcua_server import OpcUaSimServer
from scada.simulator.signals import PointSignal

log = logging.getLogger(__name__)
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)  # it logs every refused request; we log edges

DEVICE_FAULTS = ("offline", "online", "slow", "exception", "malformed", "restart", "clear")


class SimulatorError(ScadaError):
    """A fault aimed at something the simulator does not have."""


@dataclass(slots=True)
class _ModbusPoint:
    signal: PointSignal
    unit: UnitImage
    table: str
    address: int
    codec: Codec


@dataclass(slots=True)
class _OpcUaPoint:
    signal: PointSignal
    server: OpcUaSimServer
    node_id: str


def _node_id(source: OpcUaSource) -> str:
    if ";s=" not in source.node:
        raise SimulatorError(f"the simulator serves string node ids (ns=2;s=…), not {source.node!r}")
    return source.node.split(";s=", 1)[1]


class PlantSimulator:
    def __init__(self, plant: Plant, *, update_period_s: float = 0.5, clock: Callable[[], float] = time.time, seed: int = 0) -> None:
        self.plant = plant
        self.update_period_s = update_period_s
        self._clock = clock
        self.signals: dict[str, PointSignal] = {}
        self.modbus_servers: dict[tuple[str, int], ModbusSimServer] = {}
        self.opcua_servers: dict[str, OpcUaSimServer] = {}
        self._devices: dict[str, tuple[ModbusSimServer, UnitImage] | OpcUaSimServer] = {}
        self._modbus_points: list[_ModbusPoint] = []
        self._opcua_points: list[_OpcUaPoint] = []
        self._task: asyncio.Task[None] | None = None
        for ref in plant.points:
            self._add(ref, seed)

    def _add(self, ref: PointRef, seed: int) -> None:
        signal = PointSignal(ref, seed)
        self.signals[ref.tag] = signal
        device, source, key = ref.device, ref.point.source, f"{ref.enterprise.code}.{ref.device.id}"
        if isinstance(device, ModbusDevice) and isinstance(source, ModbusSource):
            server = self.modbus_servers.setdefault((device.host, device.port), ModbusSimServer(device.host, device.port))
            unit = server.unit(device.unit_id)
            self._devices[key] = (server, unit)
            self._modbus_points.append(_ModbusPoint(signal, unit, source.table, source.address, Codec.for_source(source)))
        elif isinstance(device, OpcUaDevice) and isinstance(source, OpcUaSource):
            server = self.opcua_servers.setdefault(device.endpoint, OpcUaSimServer(device.endpoint))
            self._devices[key] = server
            node_id = _node_id(source)
            server.add_variable(f"{ref.enterprise.code}.{ref.equipment.code}", node_id, ref.point.key, signal.normal(self._clock()))
            self._opcua_points.append(_OpcUaPoint(signal, server, node_id))

    # -- lifecycle ----------------------------------------------------------------------------------

    async def start(self) -> None:
        self._write_modbus(self._clock())
        for m in self.modbus_servers.values():
            await m.start()
        for o in self.opcua_servers.values():
            await o.start()
        await self._write_opcua(self._clock())
        self._task = asyncio.create_task(self._run(), name="simulator-update")
        log.info(
            "simulator running",
            extra={
                "ctx": {"points": len(self.signals), "modbus_servers": len(self.modbus_servers), "opcua_servers": len(self.opcua_servers)}
            },
        )

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for m in self.modbus_servers.values():
            await m.stop()
        for o in self.opcua_servers.values():
            await o.stop()

    async def __aenter__(self) -> PlantSimulator:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.update_period_s)
            try:
                await self.update(self._clock())
            except Exception:  # one bad update must not stop the simulation
                log.exception("simulator update failed")

    async def update(self, now: float) -> None:
        self._write_modbus(now)
        await self._write_opcua(now)

    def _write_modbus(self, now: float) -> None:
        for p in self._modbus_points:
            p.unit.write(p.table, p.address, p.codec.encode(p.signal.value(now), saturate=True))

    async def _write_opcua(self, now: float) -> None:
        for p in self._opcua_points:
            if p.server.running:
                await p.server.write(p.node_id, p.signal.value(now), bad=p.signal.bad_status)
                if p.server.writes % 200 == 0:
                    await asyncio.sleep(0)  # an update loop that never yields starves the subscriptions

    # -- faults ---------------------------------------------------------------------------------------

    def inject_point(self, tag: str, kind: str, rate: float = 0.0) -> None:
        self._signal(tag).inject(kind, self._clock(), rate)
        log.info("fault injected", extra={"ctx": {"point": tag, "fault": kind}})

    def clear_point(self, tag: str) -> None:
        self._signal(tag).clear()

    def _signal(self, tag: str) -> PointSignal:
        try:
            return self.signals[tag]
        except KeyError:
            raise SimulatorError(f"no simulated point {tag!r}") from None

    async def set_device_fault(self, device: str, kind: str, value: float = 0.0) -> None:
        """``device`` is ``ENTERPRISE.DEVICE``. Kinds: offline, online, slow (``value`` s), exception
        (``value`` = Modbus exception code, default 4), restart (server stops and starts), clear."""
        if kind not in DEVICE_FAULTS:
            raise SimulatorError(f"unknown device fault {kind!r} (faults: {', '.join(DEVICE_FAULTS)})")
        target = self._devices.get(device)
        if target is None:
            raise SimulatorError(f"no simulated device {device!r} (devices: {', '.join(sorted(self._devices))})")
        if isinstance(target, OpcUaSimServer):
            await self._opcua_fault(target, kind)
        else:
            await self._modbus_fault(*target, kind, value)
        log.info("device fault", extra={"ctx": {"device": device, "fault": kind}})

    async def _modbus_fault(self, server: ModbusSimServer, unit: UnitImage, kind: str, value: float) -> None:
        if kind == "restart":
            await server.stop()
            await server.start()
            return
        server.malformed = kind == "malformed" or (server.malformed and kind not in ("online", "clear"))
        if kind == "offline":
            unit.offline = True
        elif kind in ("online", "clear"):
            unit.offline, unit.delay_s, unit.exception = False, 0.0, None
        elif kind == "slow":
            unit.delay_s = value or 1.0
        elif kind == "exception":
            unit.exception = int(value) or 4

    async def _opcua_fault(self, server: OpcUaSimServer, kind: str) -> None:
        if kind in ("offline", "restart"):
            await server.stop()
        if kind in ("online", "clear", "restart"):
            await server.start()
            await self._write_opcua(self._clock())
        if kind in ("slow", "exception", "malformed"):
            raise SimulatorError(f"device fault {kind!r} is Modbus-only; for OPC UA use a point's bad_status")
