"""OPC UA driver: one client per device with monitored items, reconnect and re-subscribe.

connection (asyncua client, security from configuration, our own reconnect with backoff) →
one subscription per scan class (publishing interval = scan period; sampling interval and the
point's deadband on each monitored item) → the server's StatusCode and source timestamp become
the tag update's quality and time → ``PointConditioner`` → the tag store.
A lost connection (keep-alive failure, server restart, bad subscription status) turns the device
offline and its points Bad_NoCommunication once; the loop reconnects and subscribes again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from asyncua import Client, ua
from asyncua.common.subscription import DataChangeEvent, StatusChangeEvent

from scada.config import PointRef
from scada.config.schema import OpcUaDevice, OpcUaSource
from scada.drivers.backoff import Backoff, raise_if_cancelled
from scada.drivers.conditioning import PointConditioner
from scada.drivers.health import DeviceHealth, Publish
from tags import Quality, TagUpdate

log = logging.getLogger(__name__)
for _name in ("asyncua", "asyncua.client", "asyncua.common", "asyncua.uaprotocol"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)  # per-request chatter; we log edges

NO_COMMUNICATION = int(Quality.BAD_NO_COMMUNICATION)


class ConnectionLost(Exception):
    """Raised inside the driver loop when the session must be rebuilt."""


@dataclass(slots=True)
class _Binding:
    ref: PointRef
    conditioner: PointConditioner
    last: float | int | bool | None = None


def security_string(device: OpcUaDevice) -> str | None:
    """asyncua's ``Policy,Mode,certificate,private_key`` string, or None without security."""
    sec = device.security
    if sec.mode == "None":
        return None
    return f"{sec.policy},{sec.mode},{sec.certificate},{sec.private_key}"


class OpcUaDriver:
    def __init__(
        self,
        device: OpcUaDevice,
        points: Sequence[PointRef],
        scan_periods: dict[str, float],
        publish: Publish,
        health: DeviceHealth,
        *,
        backoff: Backoff | None = None,
        watchdog_s: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.device = device
        self.publish = publish
        self.health = health
        self.backoff = backoff or Backoff(0.5, 30.0)
        # Keep-alive probe interval: the device's timeout, so a busy (not dead) server is not dropped.
        self.watchdog_s = watchdog_s or device.timeout_s
        self._clock = clock
        self.scan_periods = scan_periods
        self.bindings = [_Binding(p, PointConditioner(p)) for p in points]
        self.changes = 0
        self.sessions = 0

    async def run(self) -> None:
        while True:
            raise_if_cancelled()
            client = Client(self.device.endpoint, timeout=self.device.timeout_s, watchdog_intervall=self.watchdog_s)
            lost = asyncio.Event()

            async def on_lost(_exc: Exception, lost: asyncio.Event = lost) -> None:
                lost.set()

            client.connection_lost_callback = on_lost
            try:
                await self._configure(client)
                await asyncio.wait_for(client.connect(), self.device.timeout_s * 2)
            except (OSError, TimeoutError, ua.UaError, ConnectionError) as exc:
                raise_if_cancelled()
                self._offline(f"cannot connect: {exc.__class__.__name__}")
                await self._disconnect(client)
                await asyncio.sleep(self.backoff.next_delay())
                continue
            try:
                self.sessions += 1
                await self._serve(client, lost)
            except (OSError, TimeoutError, ua.UaError, ConnectionError, ConnectionLost) as exc:
                raise_if_cancelled()
                self._offline(f"connection lost: {exc.__class__.__name__}")
            finally:
                await self._disconnect(client)
            await asyncio.sleep(self.backoff.next_delay())

    async def _configure(self, client: Client) -> None:
        sec = self.device.security
        if sec.username:
            client.set_user(sec.username)
            client.set_password(os.environ.get(sec.password_env or "", ""))
        security = security_string(self.device)
        if security:
            await client.set_security_string(security)

    async def _serve(self, client: Client, lost: asyncio.Event) -> None:
        # One subscription; each monitored item samples at its point's scan period. Notifications are
        # published at most a second apart (sooner for faster scan classes), so a slow scan class
        # still gets its first value promptly.
        periods = [self.scan_periods[b.ref.point.scan_class] for b in self.bindings]
        publish_ms = min([1.0, *periods]) * 1000
        sub = await client.create_subscription(publish_ms, None, queue_maxsize=100_000)
        handles: dict[int, _Binding] = {}
        requests = []
        for handle, (b, period) in enumerate(zip(self.bindings, periods, strict=True), start=1):
            requests.append(_monitored_item(b, period * 1000, handle))
            handles[handle] = b
        results = await sub.create_monitored_items(requests)
        for request, result in zip(requests, results, strict=True):
            if isinstance(result, ua.StatusCode):  # the server refused this node
                b = handles[request.RequestedParameters.ClientHandle]
                log.warning("node not subscribed", extra={"ctx": {"point": b.ref.tag, "status": result.name}})
                self.publish([b.conditioner.failed(b.last, int(result.value), self._clock())])
        self.backoff.reset()
        self.health.succeeded()
        subscriptions = [sub]
        consumers = [asyncio.create_task(self._consume(sub, handles)) for sub in subscriptions]
        watcher = asyncio.create_task(lost.wait())
        try:
            done, _ = await asyncio.wait([*consumers, watcher], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                if task is not watcher and task.exception() is not None:
                    raise task.exception()  # type: ignore[misc]
            raise ConnectionLost("subscription or keep-alive lost")
        finally:
            for task in [*consumers, watcher]:
                task.cancel()
            for task in [*consumers, watcher]:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def _consume(self, sub: object, handles: dict[int, _Binding]) -> None:
        async for event in sub:  # type: ignore[attr-defined]
            if isinstance(event, StatusChangeEvent):
                status = event.notification.Status
                if not status.is_good():
                    raise ConnectionLost(f"subscription status {status.name}")
                continue
            if not isinstance(event, DataChangeEvent):
                continue
            item = event.data.monitored_item
            binding = handles.get(item.ClientHandle)
            if binding is None:
                continue
            self.changes += 1
            self.publish([self._update(binding, item.Value)])

    def _update(self, binding: _Binding, data: ua.DataValue) -> TagUpdate:
        status = data.StatusCode.value if data.StatusCode is not None else 0
        when = data.SourceTimestamp.timestamp() if data.SourceTimestamp is not None else self._clock()
        value = data.Value.Value if data.Value is not None else None
        if value is None:  # a bad status carries no value: keep showing the last one, with that status
            return binding.conditioner.failed(binding.last, status, when)
        binding.last = value
        return binding.conditioner.condition(value, status, when)

    def _offline(self, reason: str) -> None:
        if self.health.online is False:
            return
        self.health.failed(reason)
        now = self._clock()
        self.publish([b.conditioner.failed(b.last, NO_COMMUNICATION, now) for b in self.bindings])

    @staticmethod
    async def _disconnect(client: Client) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.disconnect(), 2)

    def close_connection(self) -> None:
        """Nothing to do: asyncua lets a cancellation through (the session closes in ``run``)."""

    def set_out_of_service(self, tags: set[str]) -> None:
        for b in self.bindings:
            b.conditioner.out_of_service = b.ref.tag in tags


def _monitored_item(binding: _Binding, sampling_ms: float, handle: int) -> ua.MonitoredItemCreateRequest:
    source = binding.ref.point.source
    assert isinstance(source, OpcUaSource)
    params = ua.MonitoringParameters()
    params.ClientHandle = handle
    params.SamplingInterval = sampling_ms
    params.QueueSize = 1
    params.DiscardOldest = True
    if binding.ref.point.deadband > 0:
        flt = ua.DataChangeFilter()
        flt.Trigger = ua.DataChangeTrigger.StatusValue
        flt.DeadbandType = 1  # absolute, in engineering units
        flt.DeadbandValue = binding.ref.point.deadband
        params.Filter = flt
    item = ua.ReadValueId()
    item.NodeId = ua.NodeId.from_string(source.node)
    item.AttributeId = ua.AttributeIds.Value
    request = ua.MonitoredItemCreateRequest()
    request.ItemToMonitor = item
    request.MonitoringMode = ua.MonitoringMode.Reporting
    request.RequestedParameters = params
    return request
