"""A Modbus TCP server (pymodbus) holding the register images of several simulated devices.

Devices on one host:port are told apart by unit id, as behind a real Modbus gateway. Device
faults act inside the server: ``offline`` (the unit stops answering: requests time out),
``slow`` (answers after a delay), ``exception`` (answers with a Modbus exception code), ``malformed`` (frames with a wrong byte count,
for every unit on that server).
The whole server can also be stopped and started again (a PLC reboot).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field

from pymodbus.constants import ExcCodes
from pymodbus.datastore import ModbusServerContext
from pymodbus.exceptions import NoSuchIdException
from pymodbus.server import ModbusTcpServer

_TABLE_BY_FUNCTION = {1: "coil", 5: "coil", 15: "coil", 2: "discrete", 3: "holding", 6: "holding", 16: "holding", 23: "holding", 4: "input"}


@dataclass
class UnitImage:
    """The memory of one simulated device; unset addresses read as zero."""

    tables: dict[str, dict[int, int]] = field(default_factory=lambda: {t: {} for t in ("coil", "discrete", "holding", "input")})
    offline: bool = False
    delay_s: float = 0.0
    exception: int | None = None  # a Modbus exception code to answer with
    requests: int = 0  # requests answered or refused: lets tests count block reads

    def write(self, table: str, address: int, values: Sequence[int]) -> None:
        target = self.tables[table]
        for i, v in enumerate(values):
            target[address + i] = v

    def read(self, table: str, address: int, count: int) -> list[int]:
        source = self.tables[table]
        return [source.get(a, 0) for a in range(address, address + count)]


class _SimContext(ModbusServerContext):
    """Serves requests from ``UnitImage``s; pymodbus awaits it, so delays do not block other clients."""

    def __init__(self, units: dict[int, UnitImage]) -> None:  # no super(): its datastore is not used
        self.units = units
        self.simdevices: list = []
        self.old_simulator = True  # tells pymodbus to call our async_getValues/async_setValues

    def device_ids(self) -> list[int]:
        return list(self.units)

    async def _unit(self, device_id: int) -> UnitImage:
        unit = self.units.get(device_id)
        if unit is None or unit.offline:
            raise NoSuchIdException(f"unit {device_id} does not answer")  # no response: the client times out
        unit.requests += 1
        if unit.delay_s:
            await asyncio.sleep(unit.delay_s)
        return unit

    async def async_getValues(self, device_id: int, func_code: int, address: int, count: int = 1) -> list[int] | list[bool] | ExcCodes:
        unit = await self._unit(device_id)
        if unit.exception is not None:
            return ExcCodes(unit.exception)
        table = _TABLE_BY_FUNCTION.get(func_code)
        if table is None:
            return ExcCodes.ILLEGAL_FUNCTION
        values = unit.read(table, address, count)
        return [bool(v) for v in values] if table in ("coil", "discrete") else values

    async def async_setValues(
        self, device_id: int, func_code: int, address: int, values: Sequence[int] | Sequence[bool]
    ) -> ExcCodes | None:
        unit = await self._unit(device_id)
        if unit.exception is not None:
            return ExcCodes(unit.exception)
        table = _TABLE_BY_FUNCTION.get(func_code)
        if table is None:
            return ExcCodes.ILLEGAL_FUNCTION
        unit.write(table, address, [int(v) for v in values])
        return None


class ModbusSimServer:
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.units: dict[int, UnitImage] = {}
        self.malformed = False  # answer with frames whose byte count lies (a broken gateway)
        self._server: ModbusTcpServer | None = None

    def _trace_packet(self, sending: bool, data: bytes) -> bytes:
        if sending and self.malformed and len(data) > 9:
            return data[:8] + bytes([(data[8] + 7) & 0xFF]) + data[9:]  # MBAP + function code, then a wrong byte count
        return data

    def unit(self, unit_id: int) -> UnitImage:
        return self.units.setdefault(unit_id, UnitImage())

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        if self._server is None:
            server = ModbusTcpServer(
                _SimContext(self.units), address=(self.host, self.port), ignore_missing_devices=True, trace_packet=self._trace_packet
            )
            await server.serve_forever(background=True)
            self._server = server

    async def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await server.shutdown()
