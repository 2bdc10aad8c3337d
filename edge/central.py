"""The central side of the uplink: a ``scada run`` worker consuming gateway streams instead of polling.

Per enterprise, batches are applied strictly in sequence order (``first``/``seq`` in the
header): a duplicate is dropped and acknowledged again, a batch ahead of a gap waits until the
gap is filled (the worker asks the gateway to publish again from the gap, ``resend_from``; the
gateway's ack timeout is the fallback). Applying a live batch hands its
samples to ``TagStore.update`` (alarms, screens); a late batch only goes to history — its old
values must not re-run alarm evaluation, and its gateway alarm states are journalled in the audit
trail as late. Rows are written to the historian in group commits; only then is the highest
contiguous stored seq acknowledged to each gateway (``{prefix}/_ack/{enterprise}``). A worker
handles only the enterprises ``Membership`` gives it; on a change it subscribes to the gained
ones and forgets the state of the lost ones.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from edge import topics
from edge.config import UplinkConfig
from edge.errors import PayloadError
from edge.membership import Membership
from edge.mqtt import MqttLink
from edge.payload import Header, decode_header, decode_samples
from edge.stats import Histogram
from historian.errors import HistorianUnavailable
from historian.rows import US, Row
from historian.service import Historian
from scada.config import Plant
from scada.drivers.health import gateway_tag
from scada.store import AuditEvent, AuditLog
from tags import Quality, TagStore, TagUpdate

log = logging.getLogger(__name__)
GOOD = int(Quality.GOOD)
MAX_AHEAD = 2_000  # batches kept per enterprise while waiting for a gap to fill
MAX_COMMIT_ROWS = 50_000  # rows per group commit
RESEND_ASK_AGAIN_S = 5.0  # a gap still open this long after asking: ask again
YIELD_ROWS = 2_000  # applying a commit gives the event loop (screens, alarms, MQTT) a turn after this many rows


def default_worker_id() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


@dataclass
class Stream:
    """What this worker knows of one enterprise's stream."""

    stream: str
    expected: int  # next seq to apply
    committed: int  # highest seq whose rows are stored
    ahead: dict[int, tuple[Header, bytes]] = field(default_factory=dict)
    asked: tuple[int, float] | None = None  # (expected, monotonic time) of the last resend request


@dataclass
class Commit:
    """One group commit: its rows, and what to acknowledge once they are stored."""

    rows: list[Row] = field(default_factory=list)
    touched: set[str] = field(default_factory=set)  # enterprises whose batches it holds (or duplicates of them)
    # enterprise → (stream, highest seq applied), set when the commit is gathered: acknowledged once stored, unless
    # the gateway started another stream meanwhile
    marks: dict[str, tuple[str, int]] = field(default_factory=dict)
    waiting: list[tuple[str, asyncio.Future[int]]] = field(default_factory=list)  # HTTP pushes answered once stored
    live: list[float] = field(default_factory=list)  # source times of the live samples (latency)
    late_audit: list[AuditEvent] = field(default_factory=list)
    stored: asyncio.Future[None] | None = None


@dataclass
class Counters:
    batches: int = 0
    samples: int = 0
    late_batches: int = 0
    duplicates: int = 0
    foreign: int = 0  # batches of enterprises not ours, or with a header naming another enterprise than the topic
    malformed: int = 0
    store_failures: int = 0


class EdgeIngest:
    def __init__(
        self,
        plant: Plant,
        config: UplinkConfig,
        tags: TagStore,
        historian: Historian,
        worker_id: str = "",
        audit: AuditLog | None = None,
        clock: Callable[[], float] = time.time,
        gateway_suffix: str = "_ALM",
        hand_over: Callable[[set[str], set[str]], Awaitable[object]] | None = None,
    ) -> None:
        """``hand_over(mine, gained)``: called on every change of this worker's share, before the gained enterprises'
        topics are subscribed (the alarm engine takes their alarm states over from the store)."""
        self.plant, self.config, self.tags, self.historian, self.audit, self.clock = plant, config, tags, historian, audit, clock
        self.hand_over = hand_over
        self._handing_over: asyncio.Future[None] | None = None
        self.worker_id = worker_id or default_worker_id()
        self.prefix = config.topic_prefix
        self.suffix = gateway_suffix
        self.district = {e.enterprise.code: e.enterprise.district for e in plant.enterprises}
        self.membership = Membership(self.worker_id, self.district, self._reassigned)
        self.streams: dict[str, Stream] = {}
        self.counters = Counters()
        self.latency = Histogram()  # gateway source time → stored in the historian, live samples
        self._inbox: deque[tuple[str, bytes, asyncio.Future[int] | None]] = deque()
        self._wake: asyncio.Event | None = None
        self._stopping = False
        self._workers_prefix = topics.worker(self.prefix, "")
        self.link = MqttLink(
            config.broker,
            config.broker.worker,
            f"worker-{self.worker_id}"[:64],
            self._on_message,
            self._on_connected,
            will=(topics.worker(self.prefix, self.worker_id), b""),
        )

    # -- MQTT (event loop) -----------------------------------------------------------------------

    def _on_connected(self, up: bool) -> None:
        if up:
            self.link.publish(topics.worker(self.prefix, self.worker_id), self.membership.announcement(), retain=True)
            # Retained announcements of the live workers arrive right after subscribing: decide once they are in.
            asyncio.get_running_loop().call_later(1.0, self.membership.rebalance)

    def _on_message(self, topic: str, payload: bytes) -> None:
        if topic.startswith(self._workers_prefix):
            self.membership.seen(topic[len(self._workers_prefix) :], bool(payload))
            return
        self._inbox.append((topic, payload, None))
        if self._wake is not None:
            self._wake.set()

    def _reassigned(self, gained: set[str], lost: set[str]) -> None:
        for ent in lost:
            self.streams.pop(ent, None)
        self.link.unsubscribe([t for e in sorted(lost) for t in self._topics(e)])
        # One hand-over at a time, in the order of the changes: each one waits for the one before.
        self._handing_over = asyncio.ensure_future(self._take_over(self._handing_over, gained))

    async def _take_over(self, before: asyncio.Future[None] | None, gained: set[str]) -> None:
        """Hand the alarm states over, then subscribe: no sample of a gained enterprise is evaluated before its
        alarms are in as the previous worker left them."""
        if before is not None:
            await asyncio.gather(before, return_exceptions=True)
        if self.hand_over is not None:
            try:
                await self.hand_over(set(self.membership.mine), gained)
            except Exception:  # whatever went wrong, the streams are taken: values must flow
                log.exception("alarm hand-over failed")
        gained &= self.membership.mine  # a later change may have moved some away meanwhile
        self.link.subscribe([t for e in sorted(gained) for t in self._topics(e)])

    def _topics(self, enterprise: str) -> tuple[str, str]:
        d = self.district[enterprise]
        return topics.data(self.prefix, d, enterprise), topics.status(self.prefix, d, enterprise)

    # -- HTTP push (event loop) ------------------------------------------------------------------

    def submit(self, message: bytes) -> asyncio.Future[int]:
        """A batch pushed over HTTP (already authorised for its enterprise); resolves to the acknowledged seq."""
        fut: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._inbox.append(("", message, fut))
        if self._wake is not None:
            self._wake.set()
        return fut

    # -- applying batches ------------------------------------------------------------------------

    def _gateway_link(self, enterprise: str, up: bool) -> None:
        """The gateway's retained status (its last will when it vanished) → ``ENT._gateway.online``."""
        self.tags.update([TagUpdate(gateway_tag(enterprise), up, GOOD, self.clock())])

    def _accept(self, topic: str, message: bytes, commit: Commit) -> str | None:
        """Route one message; returns the enterprise whose stream it belongs to (None when dropped)."""
        if topic.endswith("/status"):
            ent = topics.enterprise_of(topic)
            if ent in self.membership.mine:
                self._gateway_link(ent, message == b"1")
            return None
        try:
            header, body = decode_header(message)
        except PayloadError as exc:
            self.counters.malformed += 1
            log.warning("dropping a malformed message", extra={"ctx": {"topic": topic, "error": str(exc)}})
            return None
        ent = header.enterprise
        if ent not in self.district or (topic and (topics.enterprise_of(topic) != ent or ent not in self.membership.mine)):
            self.counters.foreign += 1
            return None
        st = self.streams.get(ent)
        if st is None or st.stream != header.stream:
            st = self.streams[ent] = Stream(header.stream, header.first, header.first - 1)
        if header.first > st.expected:  # the gateway had acks from another worker for what we have not seen
            st.expected, st.committed = header.first, max(st.committed, header.first - 1)
            st.ahead = {s: v for s, v in st.ahead.items() if s >= st.expected}
        commit.touched.add(ent)
        if header.seq < st.expected:
            self.counters.duplicates += 1
            return ent
        if header.seq > st.expected:
            if len(st.ahead) < MAX_AHEAD:
                st.ahead[header.seq] = (header, body)
            self._ask_resend(ent, st)
            return ent
        self._apply(header, body, commit)
        st.expected += 1
        while st.expected in st.ahead:
            self._apply(*st.ahead.pop(st.expected), commit)
            st.expected += 1
        return ent

    def _ask_resend(self, enterprise: str, st: Stream) -> None:
        """A gap (batches lost with a worker that died, or before this one subscribed): ask the gateway to publish
        again from the first missing batch now, instead of waiting for its ack timeout. Once per gap, again only if
        it is still open after ``RESEND_ASK_AGAIN_S``."""
        now = time.monotonic()
        if st.asked is not None and st.asked[0] == st.expected and now - st.asked[1] < RESEND_ASK_AGAIN_S:
            return
        st.asked = (st.expected, now)
        request = {"stream": st.stream, "seq": st.committed, "resend_from": st.expected}  # seq: stored, as in an ack
        self.link.publish(topics.ack(self.prefix, enterprise), json.dumps(request).encode())

    def _apply(self, header: Header, body: bytes, commit: Commit) -> None:
        try:
            samples = decode_samples(header, body)
        except PayloadError as exc:
            self.counters.malformed += 1
            log.warning("skipping a batch that cannot be decoded", extra={"ctx": {"error": str(exc)}})
            return
        known = self.tags.defined
        samples = [s for s in samples if s[0] in known]
        self.counters.batches += 1
        self.counters.samples += len(samples)
        if header.late:
            self.counters.late_batches += 1
            self._journal_late(header, samples, commit)
        else:
            self.tags.update(samples)
            commit.live.extend([s[3] for s in samples])
        # Every sample of a batch: built as plain tuples (Row's own constructor is a Python call per row).
        now_us, new_row = round(self.clock() * US), tuple.__new__
        commit.rows.extend([new_row(Row, (tag, int(t * US + 0.5), value, quality, now_us)) for tag, value, quality, t in samples])

    def _journal_late(self, header: Header, samples: list[TagUpdate], commit: Commit) -> None:
        """Late gateway alarm states are history, not news: an audit record, no annunciation."""
        states = [(s.tag, s.value, s.source_time) for s in samples if s.tag.endswith(self.suffix)]
        if states and self.audit is not None:
            detail = {"seq": header.seq, "gateway": header.gateway, "alarm_states": states}
            commit.late_audit.append(AuditEvent("gateway:" + header.gateway, "edge.late_alarm_states", header.enterprise, detail))

    # -- the commit loop -------------------------------------------------------------------------

    async def _commit_loop(self) -> None:
        """Gather a commit (apply its batches) while the previous one is being stored: the worker's CPU work and the
        historian's overlap instead of taking turns. Stores stay in order (one writer thread), and a commit is
        acknowledged only once it is stored."""
        assert self._wake is not None
        loop = asyncio.get_running_loop()
        last_commit = -float("inf")
        storing: Commit | None = None
        while not self._stopping:
            if not self._inbox:
                self._wake.clear()
                if storing is None:
                    await self._wake.wait()
                    continue
                # Wait for news or for the store, whichever comes first: a batch arriving meanwhile is applied at once.
                news = asyncio.ensure_future(self._wake.wait())
                assert storing.stored is not None
                await asyncio.wait([storing.stored, news], return_when=asyncio.FIRST_COMPLETED)
                news.cancel()
                if storing.stored.done():
                    if not await self._finish(storing):
                        await asyncio.sleep(1.0)
                    storing = None
                continue
            if (wait := last_commit + self.config.commit_every_s - loop.time()) > 0:
                await asyncio.sleep(wait)  # gather more: fewer, larger historian writes
            last_commit = loop.time()
            commit = await self._gather()
            if storing is not None and not await self._finish(storing):
                self._forget(commit)  # applied after a commit that failed to store: the gateways send both again
                await asyncio.sleep(1.0)
                storing = None
                continue
            commit.stored = asyncio.ensure_future(self.historian.store(commit.rows))
            storing = commit
        if storing is not None:
            await self._finish(storing)

    async def _gather(self) -> Commit:
        """Apply what waits in the inbox (up to ``MAX_COMMIT_ROWS`` rows) into a new commit."""
        commit = Commit()
        yielded_at = 0
        while self._inbox and len(commit.rows) < MAX_COMMIT_ROWS:
            topic, message, fut = self._inbox.popleft()
            ent = self._accept(topic, message, commit)
            if fut is not None:
                if ent is None:
                    fut.set_exception(PayloadError("not a batch of a configured enterprise"))
                else:
                    commit.waiting.append((ent, fut))
            if len(commit.rows) - yielded_at >= YIELD_ROWS:  # a burst's commit is seconds of work: let the rest run
                yielded_at = len(commit.rows)
                await asyncio.sleep(0)
        for ent in commit.touched:  # what this commit acknowledges once stored
            st = self.streams.get(ent)
            if st is not None:
                commit.marks[ent] = (st.stream, st.expected - 1)
        return commit

    async def _finish(self, commit: Commit) -> bool:
        """Wait for a commit to be stored, then acknowledge it; False (and forgotten) when the historian failed."""
        assert commit.stored is not None
        try:
            await commit.stored
        except HistorianUnavailable as exc:
            self.counters.store_failures += 1
            log.warning("historian unavailable; batches stay with the gateways", extra={"ctx": {"error": str(exc)}})
            self._forget(commit, exc)
            return False
        now = self.clock()
        self.latency.add_many((now - t) * 1000 for t in commit.live)
        for ent, (stream, through) in commit.marks.items():
            st = self.streams.get(ent)
            if st is None or st.stream != stream:  # no longer ours, or the gateway started a new stream meanwhile
                continue
            st.committed = max(st.committed, through)
            if st.committed >= 0:
                self.link.publish(topics.ack(self.prefix, ent), json.dumps({"stream": st.stream, "seq": st.committed}).encode())
        for ent, fut in commit.waiting:
            st = self.streams.get(ent)
            if not fut.done():
                fut.set_result(st.committed if st else 0)
        if commit.late_audit and self.audit is not None:
            audit = self.audit
            await asyncio.get_running_loop().run_in_executor(None, lambda: [audit.record(e) for e in commit.late_audit])
        return True

    def _forget(self, commit: Commit, error: Exception | None = None) -> None:
        """What a commit applied is not stored: forget it, so the gateways' next sends are applied again."""
        for ent in commit.touched:
            st = self.streams.get(ent)
            if st is not None:
                st.expected, st.ahead = st.committed + 1, {}
        for _ent, fut in commit.waiting:
            if not fut.done():
                fut.set_exception(error or HistorianUnavailable("an earlier commit was not stored"))

    async def _announce(self) -> None:
        while not self._stopping:
            await asyncio.sleep(self.config.announce_every_s)
            self.link.publish(topics.stats(self.prefix, self.worker_id), json.dumps(self.snapshot()).encode())
            log.info("edge ingest", extra={"ctx": {k: v for k, v in self.snapshot().items() if k != "latency_hist"}})

    def snapshot(self) -> dict[str, object]:
        return {
            "worker": self.worker_id,
            "at": self.clock(),
            "enterprises": len(self.membership.mine),
            "workers": len(self.membership.workers),
            **self.counters.__dict__,
            "latency_p50_ms": self.latency.quantile(0.5),
            "latency_p99_ms": self.latency.quantile(0.99),
            "latency_hist": self.latency.counts,
        }

    async def run(self) -> None:
        """Consume until ``stop``; a clean stop clears the announcement so the others take over at once."""
        self._wake = asyncio.Event()
        self.link.subscribe([topics.worker(self.prefix, "+")])
        self.link.start()
        tasks = [asyncio.create_task(self._commit_loop(), name="edge-ingest"), asyncio.create_task(self._announce(), name="edge-stats")]
        try:
            await tasks[0]  # ends on stop(); the statistics task is cancelled then
        finally:
            if self._handing_over is not None:
                self._handing_over.cancel()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.link.stop([(topics.worker(self.prefix, self.worker_id), b"")])

    def stop(self) -> None:
        self._stopping = True
        if self._wake is not None:
            self._wake.set()
