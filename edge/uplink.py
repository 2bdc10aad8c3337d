"""The gateway's uplink: samples → batches → disk → MQTT (QoS 1) or HTTP push → forgotten on the central's ack.

Every batch is first stored in the gateway's ``Spool`` (fsync'd), then published. Up to
``window`` batches are in flight; a batch leaves the disk only when the central acknowledges it
end to end (``{prefix}/_ack/{enterprise}``: the highest contiguous sequence number it has stored
in the historian) — a broker PUBACK only means the broker has it, not that a worker stored it.
When the central reports a gap (``resend_from`` in an acknowledgement), the batches from there are
published again at once; without ack progress for ``ack_timeout_s``, or after a reconnect, everything
unacknowledged is published again from the oldest: the central drops what it already has, so nothing is lost and
nothing is stored twice. Each re-send without progress since doubles the timeout (up to
``MAX_ACK_TIMEOUT_FACTOR`` ×): a central that is slow, not gone, is not buried under copies of
what it is still working through (seen in bench/national.py: re-sends fed on themselves until p99
was 25 s); the first acknowledgement that moves resets it. A batch published more than ``late_after_s`` after it was made is
flagged ``late`` (the central then writes it to history without re-running alarms on it).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from edge import topics
from edge.config import UplinkConfig
from edge.mqtt import MqttLink
from edge.payload import Header, encode_body, encode_message
from edge.spool import Batch, Spool
from scada.drivers.backoff import Backoff
from tags import TagUpdate

log = logging.getLogger(__name__)
MAX_ACK_TIMEOUT_FACTOR = 8  # ack_timeout_s doubles per re-send without progress, up to this multiple


class Uplink:
    def __init__(
        self,
        config: UplinkConfig,
        enterprise: str,
        district: str,
        gateway: str,
        data_dir: Path,
        clock: Callable[[], float] = time.time,
        io: ThreadPoolExecutor | None = None,
    ) -> None:
        """``io``: the single disk thread to use, shared by gateways simulated in one process (a thread per
        spool cost them more CPU than their work); by default the uplink has its own."""
        self.config, self.enterprise, self.district, self.gateway, self.clock = config, enterprise, district, gateway, clock
        self.spool = Spool(data_dir / config.buffer.path, config.buffer.max_samples)
        self.prefix = config.topic_prefix
        self.data_topic = topics.data(self.prefix, district, enterprise)
        self.status_topic = topics.status(self.prefix, district, enterprise)
        first = self.spool.first_seq()
        self.acked = (first if first is not None else self.spool.last_seq() + 1) - 1  # all below the oldest kept were acked
        self.sent_through = self.acked
        self.stored_through = self.spool.last_seq()  # the newest batch on disk: beyond it there is nothing to read
        self._pending: list[TagUpdate] = []
        self._pending_at = 0.0
        self._own_io = io is None
        # One thread: pushes stay in order (a shared executor must have one thread too).
        self._io = io or ThreadPoolExecutor(1, thread_name_prefix="ThreadPoolExecutor-edge-spool")
        self._fresh: deque[Batch] = deque()  # stored, not yet published (in order)
        self._storing = 0  # batches handed to the disk thread, not yet back
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cut_timer: asyncio.TimerHandle | None = None
        self._progress_at = 0.0
        self.ack_timeout_s = config.ack_timeout_s  # doubled after each re-send without progress, reset by progress
        self._stopping = False
        self.stats = {"batches_stored": 0, "samples_stored": 0, "published": 0, "resends": 0, "refused_samples": 0, "acked": self.acked}
        self.link: MqttLink | None = None
        if not config.http.url:
            self.link = MqttLink(
                config.broker,
                config.broker.gateway,
                f"gw-{enterprise}-{gateway}"[:64],
                self._on_message,
                self._on_connected,
                enterprise=enterprise,
                will=(self.status_topic, b"0"),
            )

    # -- producer side (event loop) ------------------------------------------------------------

    def offer(self, samples: Iterable[TagUpdate]) -> None:
        """Queue samples of this enterprise; a batch is cut at ``max_samples`` or after ``max_delay_s``."""
        if not self._pending:
            self._pending_at = self.clock()
            self._arm_cut(self.config.batch.max_delay_s)
        self._pending.extend(samples)
        if len(self._pending) >= self.config.batch.max_samples:
            self.flush()

    def _arm_cut(self, delay_s: float) -> None:
        """A timer for the oldest waiting sample's batch (one per uplink, only while samples wait)."""
        if self._cut_timer is None and self._loop is not None:
            self._cut_timer = self._loop.call_later(max(0.0, delay_s), self._cut_due)

    def _cut_due(self) -> None:
        self._cut_timer = None
        if not self._pending:
            return
        waited = self.clock() - self._pending_at
        if waited >= self.config.batch.max_delay_s - 0.001:
            self.flush()
        else:  # cut by size meanwhile: these samples came later
            self._arm_cut(self.config.batch.max_delay_s - waited)

    def flush(self) -> None:
        """Cut the waiting samples into batches and hand them to the disk (in order, on the spool thread)."""
        size = self.config.batch.max_samples
        while self._pending:
            chunk, self._pending = self._pending[:size], self._pending[size:]
            body = encode_body(self.enterprise, chunk, self.config.batch.compress)
            fut = self._io.submit(self._store, body, len(chunk), round(self.clock() * 1000))
            self._storing += 1
            fut.add_done_callback(self._stored)

    def _store(self, body: bytes, samples: int, made_ms: int) -> Batch | None:
        seq = self.spool.push(body, samples, made_ms)
        if seq is not None:
            self.stats["batches_stored"] += 1
            self.stats["samples_stored"] += samples
            return Batch(seq, samples, made_ms, body)
        if not self.stats["refused_samples"]:
            log.error("edge buffer full: new batches refused", extra={"ctx": {"enterprise": self.enterprise}})
        self.stats["refused_samples"] += samples
        return None

    def _stored(self, fut: Future[Batch | None]) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # closed meanwhile (shutdown)
                loop.call_soon_threadsafe(self._fresh_batch, fut.result())

    def _fresh_batch(self, batch: Batch | None) -> None:
        """A batch just stored: keep it in memory for the sender, which then need not read it back from disk."""
        self._storing -= 1
        if batch is not None:
            self.stored_through = max(self.stored_through, batch.seq)
            if len(self._fresh) >= self.config.window:  # not being sent (link down): the disk has them
                self._fresh.clear()
            self._fresh.append(batch)
        self._poke()

    def _take_fresh(self, start: int, room: int) -> list[Batch] | None:
        """The batches after ``start`` from memory, or None when memory does not hold the next one."""
        fresh = self._fresh
        while fresh and fresh[0].seq <= start:
            fresh.popleft()
        if not fresh or fresh[0].seq != start + 1:
            return None
        out: list[Batch] = []
        while fresh and len(out) < room and fresh[0].seq == start + 1 + len(out):
            out.append(fresh.popleft())
        return out

    # -- MQTT callbacks (event loop) -------------------------------------------------------------

    def _on_connected(self, up: bool) -> None:
        if up:
            assert self.link is not None
            self.link.publish(self.status_topic, b"1", retain=True)
            self._rewind()  # whatever was in flight may never have reached a worker
        self._poke()

    def _on_message(self, _topic: str, payload: bytes) -> None:
        try:
            ack = json.loads(payload)
            stream, seq, resend_from = ack["stream"], int(ack["seq"]), int(ack.get("resend_from", 0))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring a malformed acknowledgement", extra={"ctx": {"payload": payload[:80]}})
            return
        if stream == self.spool.stream:
            self._acknowledged(seq)
            if resend_from:
                self._resend_from(resend_from)

    def _acknowledged(self, seq: int) -> None:
        if seq <= self.acked:
            return
        self.acked = self.stats["acked"] = seq
        self.sent_through = max(self.sent_through, seq)
        self._progress_at = self._now()
        self.ack_timeout_s = self.config.ack_timeout_s
        self._io.submit(self.spool.remove_through, seq)
        self._poke()

    def _rewind(self) -> None:
        self._rewind_to(self.acked)

    def _rewind_to(self, seq: int) -> None:
        if self.sent_through > seq:
            self.stats["resends"] += 1
        self.sent_through = min(self.sent_through, seq)
        self._progress_at = self._now()

    def _resend_from(self, first: int) -> None:
        """The central misses batches from ``first`` on (a gap): publish them again now."""
        if self.sent_through >= first:
            self._rewind_to(max(self.acked, first - 1))
            self._poke()

    def _resend_if_stalled(self) -> None:
        """No acknowledgement progress within the (backed-off) timeout: publish the unacknowledged again."""
        if self.sent_through > self.acked and self._now() - self._progress_at > self.ack_timeout_s:
            log.info("no acknowledgement in time; publishing again", extra={"ctx": {"from_seq": self.acked + 1}})
            self._rewind()
            self.ack_timeout_s = min(2 * self.ack_timeout_s, MAX_ACK_TIMEOUT_FACTOR * self.config.ack_timeout_s)

    def _until_resend(self) -> float | None:
        """Seconds until unacknowledged batches are due again (None: nothing in flight, wait for news)."""
        if self.sent_through <= self.acked:
            return None
        return max(0.0, self._progress_at + self.ack_timeout_s - self._now()) + 0.01

    async def _wait_wake(self, timeout_s: float | None) -> None:
        assert self._wake is not None
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout_s):
                await self._wake.wait()
        self._wake.clear()

    def _poke(self) -> None:
        if self._wake is not None:
            self._wake.set()

    def _now(self) -> float:
        return time.monotonic()

    # -- sending ---------------------------------------------------------------------------------

    def message(self, batch: Batch) -> bytes:
        late = self.clock() * 1000 - batch.min_t > self.config.late_after_s * 1000
        header = Header(self.enterprise, self.gateway, self.spool.stream, batch.seq, self.acked + 1, late, self.config.batch.compress)
        return encode_message(header, batch.body)

    async def _send_mqtt(self) -> None:
        assert self.link is not None and self._wake is not None
        loop = asyncio.get_running_loop()
        while not self._stopping:
            await self._wait_wake(self._until_resend())
            if not self.link.connected:
                continue
            self._resend_if_stalled()
            room = self.config.window - (self.sent_through - self.acked)
            if room <= 0:
                continue
            start = self.sent_through
            if start >= self.stored_through:  # woken by an acknowledgement with nothing new: no disk read
                continue
            batches = self._take_fresh(start, room)
            if batches is None:
                batches = await loop.run_in_executor(self._io, self.spool.after, start, room)
            if self.sent_through != start:  # rewound while reading: read again from the new place
                self._wake.set()
                continue
            if not batches:
                continue
            if start == self.acked:
                self._progress_at = self._now()  # the ack timeout runs from the first batch in flight
            for b in batches:
                self.link.publish(self.data_topic, self.message(b))
                self.sent_through = b.seq
                self.stats["published"] += 1
            self._wake.set()  # more may be waiting on disk

    async def _send_http(self) -> None:
        from edge.http_push import HttpPusher

        assert self._wake is not None
        loop = asyncio.get_running_loop()
        pusher = HttpPusher(self.config.http)
        backoff = Backoff(0.5, 30.0)
        try:
            while not self._stopping:
                batches = await loop.run_in_executor(self._io, self.spool.after, self.acked, 1)
                if not batches:
                    await self._wait_wake(0.5)
                    continue
                try:
                    acked = await loop.run_in_executor(None, pusher.push, self.message(batches[0]))
                except OSError as exc:
                    log.warning("HTTP push failed; retrying", extra={"ctx": {"error": str(exc)}})
                    await asyncio.sleep(backoff.next_delay())
                    continue
                backoff.reset()
                self.stats["published"] += 1
                self._acknowledged(acked)
        finally:
            pusher.close()

    async def run(self) -> None:
        """Cut, store and send until ``stop``; then store what is waiting and disconnect (announcing the
        gateway offline). Unacknowledged batches stay on disk for the next start."""
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        if self.link is not None:
            self.link.subscribe([topics.ack(self.prefix, self.enterprise)])
            self.link.start()
        if self._pending:  # offered before the loop ran
            self._arm_cut(self.config.batch.max_delay_s - (self.clock() - self._pending_at))
        sender = asyncio.create_task(self._send_mqtt() if self.link is not None else self._send_http(), name="edge-send")
        try:
            await sender  # ends on stop()
        finally:
            self._stopping = True
            sender.cancel()
            await asyncio.gather(sender, return_exceptions=True)
            if self._cut_timer is not None:
                self._cut_timer.cancel()
            self.flush()
            await self._loop.run_in_executor(self._io, lambda: None)  # every store submitted before has finished
            if self.link is not None:
                await self.link.stop([(self.status_topic, b"0")])
            if self._own_io:
                self._io.shutdown(wait=True)
            self.spool.close()

    def stop(self) -> None:
        """End ``run`` (it stores what is waiting first)."""
        self._stopping = True
        self._poke()

    @property
    def settled(self) -> bool:
        """Nothing waiting to be cut, being stored or unacknowledged: everything offered has reached the central."""
        return not self._pending and not self._storing and self.acked >= self.stored_through

    @property
    def backlog(self) -> int:
        """Samples on disk not yet acknowledged."""
        return self.spool.rows
