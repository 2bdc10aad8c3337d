"""Modbus TCP driver: one task and one connection per device, poll groups per scan class.

connection (pymodbus client, our own reconnect with backoff + jitter) → block reads planned by
``modbus_blocks`` → ``modbus_codec`` → ``PointConditioner`` → a batch of ``TagUpdate``s for the
tag store. Failures become quality, never exceptions: a timeout or lost connection turns the
device offline and its points Bad_NoCommunication (last value kept); a Modbus exception response
turns that block's points Bad_DeviceFailure. Each is logged once per episode.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pymodbus.client import AsyncModbusTcpClient
from pymodbus.exceptions import ModbusException

from scada.config import PointRef
from scada.config.schema import ModbusDevice, ModbusSource
from scada.drivers.backoff import Backoff, raise_if_cancelled
from scada.drivers.conditioning import PointConditioner
from scada.drivers.health import DeviceHealth, Publish
from scada.drivers.modbus_blocks import Block, PointAddress, plan_blocks
from scada.drivers.modbus_codec import Codec, pack_block
from tags import Quality, TagUpdate

log = logging.getLogger(__name__)
logging.getLogger("pymodbus").setLevel(logging.CRITICAL)  # it logs every failed request; we log edges

GOOD = int(Quality.GOOD)
NO_COMMUNICATION = int(Quality.BAD_NO_COMMUNICATION)
DEVICE_FAILURE = int(Quality.BAD_DEVICE_FAILURE)
LAST_USABLE = int(Quality.UNCERTAIN_LAST_USABLE_VALUE)
STALE_PERIODS = 3  # scan periods without a completed poll before values are marked stale


@dataclass(slots=True)
class _Binding:
    """One point inside a block: where its value sits and how to turn it into a tag update."""

    offset: int
    codec: Codec
    conditioner: PointConditioner
    last: float | int | bool | None = None


@dataclass(slots=True)
class _PollBlock:
    block: Block
    bindings: list[_Binding]
    failing: bool = False  # answered with an exception last time (log once per episode)


@dataclass(slots=True)
class PollGroup:
    scan_class: str
    period_s: float
    blocks: list[_PollBlock]
    next_due: float = 0.0
    last_ok: float = 0.0  # loop time of the last complete poll
    stale: bool = False


@dataclass
class DriverStats:
    requests: int = 0
    failures: int = 0
    points_read: int = 0
    connects: int = 0


class ModbusDriver:
    """Polls one Modbus TCP device; run ``run()`` as a task and cancel it to stop."""

    def __init__(
        self,
        device: ModbusDevice,
        points: Sequence[PointRef],
        scan_periods: dict[str, float],
        publish: Publish,
        health: DeviceHealth,
        *,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.device = device
        self.publish = publish
        self.health = health
        self.retries = device.retries
        self.backoff = backoff or Backoff(0.5, 30.0)
        self._clock = clock
        self.stats = DriverStats()
        self.conditioners = {p.tag: PointConditioner(p) for p in points}
        self.groups = self._plan(points, scan_periods, device.max_gap)
        self._client: AsyncModbusTcpClient | None = None

    def _plan(self, points: Sequence[PointRef], scan_periods: dict[str, float], max_gap: int) -> list[PollGroup]:
        by_class: dict[str, list[PointRef]] = {}
        for ref in points:
            by_class.setdefault(ref.point.scan_class, []).append(ref)
        groups = []
        for scan_class, refs in sorted(by_class.items()):
            sources: dict[str, ModbusSource] = {r.tag: r.point.source for r in refs}  # type: ignore[misc]
            addresses = [PointAddress(tag, s.table, s.address, s.type) for tag, s in sources.items()]
            blocks = []
            for block in plan_blocks(addresses, max_gap=max_gap):
                bindings = [_Binding(offset, Codec.for_source(sources[p.tag]), self.conditioners[p.tag]) for p, offset in block.points]
                blocks.append(_PollBlock(block, bindings))
            groups.append(PollGroup(scan_class, scan_periods[scan_class], blocks))
        return groups

    @property
    def request_count(self) -> int:
        return self.stats.requests

    # -- main loop ------------------------------------------------------------------------------------

    async def run(self) -> None:
        watchdog = asyncio.create_task(self._watch_staleness())
        try:
            while True:
                raise_if_cancelled()
                if not await self._connect():
                    await asyncio.sleep(self.backoff.next_delay())
                    continue
                self.backoff.reset()
                await self._poll_until_failure()
                self._close()
                await asyncio.sleep(self.backoff.next_delay())
        finally:
            watchdog.cancel()
            self._close()

    async def _watch_staleness(self) -> None:
        """A group whose poll has not completed for STALE_PERIODS scan periods (a device answering
        slowly, still inside its timeout) turns Uncertain_LastUsableValue until a poll completes."""
        loop_time = asyncio.get_running_loop().time
        while True:
            await asyncio.sleep(min(g.period_s for g in self.groups))
            now, wall = loop_time(), self._clock()
            for group in self.groups:
                if self.health.online and not group.stale and group.last_ok and now - group.last_ok > STALE_PERIODS * group.period_s:
                    group.stale = True
                    log.warning("values stale", extra={"ctx": {"device": self.health.tag, "scan_class": group.scan_class}})
                    self.publish([b.conditioner.failed(b.last, LAST_USABLE, wall) for pb in group.blocks for b in pb.bindings])

    async def _connect(self) -> bool:
        self._client = AsyncModbusTcpClient(
            self.device.host, port=self.device.port, timeout=self.device.timeout_s, retries=0, reconnect_delay=0
        )
        try:
            connected = await asyncio.wait_for(self._client.connect(), self.device.timeout_s * 2)
        except (TimeoutError, OSError, ModbusException):
            raise_if_cancelled()
            connected = False
        if not connected:
            self._offline(f"cannot connect to {self.device.host}:{self.device.port}")
            self._close()
            return False
        self.stats.connects += 1
        return True

    def close_connection(self) -> None:
        self._close()

    def _close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _poll_until_failure(self) -> None:
        loop_time = asyncio.get_running_loop().time
        now = loop_time()
        for group in self.groups:
            group.next_due = now
        while True:
            now = loop_time()
            for group in self.groups:
                if group.next_due <= now:
                    if not await self.poll_group(group):
                        return
                    # Keep the cadence; after an overrun start again from now instead of bursting.
                    group.next_due = max(group.next_due + group.period_s, loop_time())
            await asyncio.sleep(max(0.0, min(g.next_due for g in self.groups) - loop_time()))

    async def poll_group(self, group: PollGroup) -> bool:
        """Read every block of the group and publish; False when the device stopped answering."""
        updates: list[TagUpdate] = []
        for pb in group.blocks:
            ok = await self._read_block(pb, updates)
            if not ok:
                self._offline("no response")
                return False
        self.health.succeeded()
        group.last_ok, group.stale = asyncio.get_running_loop().time(), False
        if updates:
            self.publish(updates)
        return True

    async def _read_block(self, pb: _PollBlock, updates: list[TagUpdate]) -> bool:
        block, client = pb.block, self._client
        if client is None:  # closed under us by a stop
            raise_if_cancelled()
            return False
        unit = self.device.unit_id
        for _attempt in range(self.retries + 1):
            self.stats.requests += 1
            try:
                if block.table == "holding":
                    response = await client.read_holding_registers(block.start, count=block.count, device_id=unit)
                elif block.table == "input":
                    response = await client.read_input_registers(block.start, count=block.count, device_id=unit)
                elif block.table == "coil":
                    response = await client.read_coils(block.start, count=block.count, device_id=unit)
                else:
                    response = await client.read_discrete_inputs(block.start, count=block.count, device_id=unit)
            except (ModbusException, OSError, TimeoutError):
                raise_if_cancelled()
                self.stats.failures += 1
                if not client.connected:
                    return False
                continue
            now = self._clock()
            if response.isError():
                self._block_failed(pb, getattr(response, "exception_code", 0), now, updates)
                return True
            if pb.failing:
                pb.failing = False
                log.info("block readable again", extra={"ctx": {"device": self.health.tag, "table": block.table, "start": block.start}})
            self._decode(pb, response, now, updates)
            return True
        return False

    def _decode(self, pb: _PollBlock, response: object, now: float, updates: list[TagUpdate]) -> None:
        if pb.block.table in ("holding", "input"):
            data = pack_block(response.registers)  # type: ignore[attr-defined]
            for b in pb.bindings:
                b.last = value = b.codec.decode_at(data, b.offset)
                updates.append(b.conditioner.condition(value, GOOD, now))
        else:
            bits = response.bits  # type: ignore[attr-defined]
            for b in pb.bindings:
                b.last = value = bool(bits[b.offset])
                updates.append(b.conditioner.condition(value, GOOD, now))
        self.stats.points_read += len(pb.bindings)

    def _block_failed(self, pb: _PollBlock, code: int, now: float, updates: list[TagUpdate]) -> None:
        if not pb.failing:
            pb.failing = True
            log.warning(
                "exception response",
                extra={
                    "ctx": {
                        "device": self.health.tag,
                        "table": pb.block.table,
                        "start": pb.block.start,
                        "count": pb.block.count,
                        "exception_code": code,
                    }
                },
            )
        updates.extend(b.conditioner.failed(b.last, DEVICE_FAILURE, now) for b in pb.bindings)

    def _offline(self, reason: str) -> None:
        """Edge into failure: the device goes offline and every point turns Bad_NoCommunication once."""
        if self.health.online is False:
            return
        self.health.failed(reason)
        now = self._clock()
        self.publish([b.conditioner.failed(b.last, NO_COMMUNICATION, now) for g in self.groups for pb in g.blocks for b in pb.bindings])

    def set_out_of_service(self, tags: set[str]) -> None:
        """Points declared out of service (art. 18) read as Bad_OutOfService until cleared."""
        for tag, conditioner in self.conditioners.items():
            conditioner.out_of_service = tag in tags
