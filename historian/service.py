"""The running historian: bus → recording policy → batches → backend (or disk buffer → remote).

Nothing here runs blocking work on the event loop: every write, rollup and query goes to a
single writer thread (so SQLite sees one writer and batches stay in order) or, for the remote
path, to a forwarder thread that drains the disk buffer oldest-first. The tag bus never waits:
the subscription's bounded inbox absorbs bursts (drops are counted by the bus).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from historian.backend import TIER_INTERVAL_US, HistoryBackend
from historian.buffer import Batch, DiskBuffer
from historian.config import HistorianConfig
from historian.errors import HistorianError, HistorianUnavailable
from historian.influx_backend import InfluxHistory
from historian.line_protocol import encode_rows
from historian.query import TrendPlanner, aggregate, nice_interval
from historian.recording import RecordingPolicy
from historian.rollup_fold import RollupFold, as_bucket
from historian.rows import US, Bucket, Row
from historian.status import StatusPublisher
from scada.drivers.backoff import Backoff
from tags import Delivery, Subscription, TagBus, TagUpdate

log = logging.getLogger(__name__)
DAY_US = 86_400 * US
MAX_IN_FLIGHT = 4  # write batches queued for the writer thread before the consumer waits
FRESH_START_LOOKBACK_US = DAY_US  # rollups start this far back when no state was saved
FORWARD_MAX_ROWS = 20_000  # rows per forward: several buffered batches in one HTTP write
PARTIALS_PER_WRITE, PARTIALS_PER_S = 5_000, 25_000  # rollup partials written in paced chunks (maintenance thread)
MAX_FOLD_PARTIALS = 5_000_000  # partials kept while the remote is down (~1 GB); the oldest intervals go beyond


def open_backend(config: HistorianConfig, data_dir: Path) -> HistoryBackend:
    if config.backend == "sqlite":
        from historian.sqlite_backend import SqliteHistory

        return SqliteHistory(data_dir / config.sqlite.path)
    from historian.influx_transport import Influx1Transport, Influx2Transport

    transport = Influx1Transport(config.influxdb1) if config.backend == "influxdb1" else Influx2Transport(config.influxdb2)
    return InfluxHistory(transport, config.buffer.forward_connections)


class Historian:
    """One historian: write path, rollups and retention, queries. ``clock`` returns POSIX seconds."""

    def __init__(
        self,
        config: HistorianConfig,
        data_dir: Path,
        clock: Callable[[], float] = time.time,
        publish: Callable[[list[TagUpdate]], None] | None = None,
        backend: HistoryBackend | None = None,
    ) -> None:
        self.config = config
        self.clock = clock
        self.backend = backend or open_backend(config, data_dir)
        self.policy = RecordingPolicy(config)
        self.buffer = DiskBuffer(data_dir / config.buffer.path, config.buffer.max_rows) if config.remote else None
        self.status = StatusPublisher(publish, clock, config.buffer.warn_fraction)
        self._state_path = data_dir / "historian-state.json"
        self._watermarks = self._load_state()
        # InfluxDB: rollups folded from the rows as they are written (historian.rollup_fold); SQLite computes them.
        self.tiers = config.retention.tiers  # the rollup tiers kept
        self.fold = RollupFold(self.tiers) if self.backend.folds_rollups else None
        self._dirty_from: int | None = None  # oldest source time written since the last rollup (computed rollups)
        self._dirty_lock = threading.Lock()  # set by the writer and forwarder, taken by the rollup
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="historian-writer")
        # Rollups and retention on their own thread: at 440,000 points a rollup takes seconds, and on the
        # writer thread it held up every store (edge ingest acknowledges only stored batches) that long.
        self._maintainer = ThreadPoolExecutor(1, thread_name_prefix="historian-maintenance")
        self._forwarder = ThreadPoolExecutor(1, thread_name_prefix="historian-forwarder")
        self._in_flight: list[asyncio.Future[None]] = []
        self._remote_ready = False  # databases/retention created on the remote
        self._forward_lock = threading.Lock()
        self._sub: Subscription | None = None
        self.planner = TrendPlanner(config.retention, self.watermark, self.now_us)
        self.rows_recorded = 0

    # -- state ------------------------------------------------------------------------------

    def now_us(self) -> int:
        return round(self.clock() * US)

    def _load_state(self) -> dict[str, int]:
        try:
            return {k: int(v) for k, v in json.loads(self._state_path.read_text()).get("watermarks", {}).items()}
        except (OSError, ValueError):
            return {}

    def _save_state(self) -> None:
        tmp = self._state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"backend": self.config.backend, "watermarks": self._watermarks}))
        tmp.replace(self._state_path)

    def watermark(self, tier: str) -> int:
        """Rolled up completely before this time (µs)."""
        return self._watermarks.get(tier, 0)

    def setup(self) -> None:
        """Create databases/retention on a remote historian (blocking; tolerated to fail while it is down)."""
        setup = getattr(getattr(self.backend, "transport", None), "setup", None)
        if setup is not None:
            setup(self.config)

    # -- write path (blocking; writer thread) -------------------------------------------------

    def record(self, rows: Sequence[Row]) -> None:
        """Store rows that passed the recording policy: directly, or into the disk buffer for a remote."""
        if not rows:
            return
        if self.buffer is None:
            self.backend.write(rows)
        elif self.buffer.push(encode_rows(rows), len(rows), min(r.t for r in rows)) is None:
            log.error("historian buffer full: %d rows refused", len(rows), extra={"ctx": {"refused_total": self.buffer.refused_rows}})
            return
        self._written(rows)  # buffered rows too: their partials are written when their intervals close

    def _written(self, rows: Sequence[Row]) -> None:
        """Rows stored (or buffered): folded into the rollups, or noted for the computed ones."""
        if self.fold is not None:
            self.fold.add(rows)
        else:
            self._note_written(min(r.t for r in rows))
        self.rows_recorded += len(rows)

    def _note_written(self, min_t: int) -> None:
        if self.fold is not None:  # folded when written or buffered: nothing to compute again
            return
        with self._dirty_lock:
            self._dirty_from = min_t if self._dirty_from is None else min(self._dirty_from, min_t)

    def forward_once(self) -> int:
        """Send the oldest buffered batch to the remote; rows sent (0 when empty). Raises HistorianUnavailable."""
        with self._forward_lock:  # one forwarder at a time, or a batch could be sent and counted twice
            return self._forward_oldest()

    def _forward_oldest(self) -> int:
        assert self.buffer is not None and isinstance(self.backend, InfluxHistory)
        batches = self.buffer.oldest(FORWARD_MAX_ROWS)
        if not batches:
            return 0
        if not self._remote_ready:
            self.setup()
            self._remote_ready = True
        try:
            self.backend.write_encoded(b"\n".join(b.body for b in batches))
        except HistorianUnavailable:
            self._remote_ready = False  # it may come back empty (a new server): set up again first
            raise
        except HistorianError as exc:
            if len(batches) > 1:  # find the refused one: send them one by one
                return sum(self._forward_alone(b) for b in batches)
            return self._forward_alone(batches[0], exc)
        self.buffer.remove(batches)
        self._note_written(min(b.min_t for b in batches))
        return sum(b.rows for b in batches)

    def _forward_alone(self, batch: Batch, refused: HistorianError | None = None) -> int:
        assert self.buffer is not None and isinstance(self.backend, InfluxHistory)
        try:
            if refused is not None:
                raise refused
            self.backend.write_encoded(batch.body)
        except HistorianUnavailable:
            raise
        except HistorianError as exc:
            log.error(
                "remote historian refused a batch; set aside", extra={"ctx": {"seq": batch.seq, "rows": batch.rows, "error": str(exc)}}
            )
            self.buffer.reject(batch, str(exc))
            return 0
        self.buffer.remove([batch])
        self._note_written(batch.min_t)
        return batch.rows

    def forward_all(self) -> int:
        """Drain the whole buffer now (blocking); rows sent. Raises HistorianUnavailable."""
        sent = 0
        while self.buffer is not None and self.buffer.oldest():
            sent += self.forward_once()
        return sent

    def roll_up(self) -> None:
        """Bring every rollup tier up to the last complete interval; re-do intervals that got late data."""
        now = self.now_us() - round(self.config.batch.max_delay_s * US) - 5 * US  # let the last batch land
        if self.fold is not None:
            self._write_partials(now)
            return
        with self._dirty_lock:  # what is written from here on is rolled up (again) next time
            dirty, self._dirty_from = self._dirty_from, None
        for tier in self.tiers:
            interval = TIER_INTERVAL_US[tier]
            start = self._watermarks.get(tier, now - FRESH_START_LOOKBACK_US)
            if dirty is not None:
                start = min(start, dirty)
            end = now - now % interval
            if end > start - start % interval:
                self.backend.rollup(tier, start, end, self._source(tier))
                self._watermarks[tier] = end
        self._save_state()

    def _source(self, tier: str) -> str:
        """The tier a computed rollup reads: the next finer one kept."""
        i = self.tiers.index(tier)
        return self.tiers[i - 1] if i else "raw"

    def _write_partials(self, now: int | None) -> None:
        """Write the folded partials of the intervals complete before ``now`` (all when None), tier by tier, in paced
        chunks; the watermark moves past them. While the remote is unreachable the unwritten ones are kept (and the
        error raised); ones it refuses are logged and dropped — they would be refused again."""
        assert self.fold is not None
        for tier in self.tiers:
            interval = TIER_INTERVAL_US[tier]
            end = None if now is None else now - now % interval
            taken = self.fold.take(tier, end)
            for i in range(0, len(taken), PARTIALS_PER_WRITE):
                chunk, started = taken[i : i + PARTIALS_PER_WRITE], time.monotonic()
                try:
                    self.backend.write_buckets(tier, [as_bucket(tag, p) for _start, tag, p in chunk])
                except HistorianUnavailable:
                    self.fold.put_back(tier, taken[i:])
                    if dropped := self.fold.bound(MAX_FOLD_PARTIALS):
                        log.error("rollup partials dropped: remote historian down too long", extra={"ctx": {"partials": dropped}})
                    raise
                except HistorianError as exc:
                    log.error("rollup partials refused", extra={"ctx": {"tier": tier, "partials": len(chunk), "error": str(exc)}})
                # Paced: a minute's partials of 220,000 points written at once held the remote at a core for seconds.
                if i + PARTIALS_PER_WRITE < len(taken):
                    time.sleep(max(0.0, PARTIALS_PER_WRITE / PARTIALS_PER_S - (time.monotonic() - started)))
            if end is not None:
                self._watermarks[tier] = max(self._watermarks.get(tier, 0), end)
        self._save_state()

    def purge(self) -> None:
        now = self.now_us()
        self.backend.purge({tier: now - round(d * DAY_US) for tier, d in self.config.retention.days.items()})

    # -- queries (blocking) ---------------------------------------------------------------------

    def last(self, tags: Sequence[str]) -> dict[str, Row]:
        return self.backend.last(tags)

    def raw(self, tags: Sequence[str], start: float, end: float) -> Iterator[Row]:
        return self.backend.raw(tags, round(start * US), round(end * US))

    def aggregate(
        self, tags: Sequence[str], start: float, end: float, interval_s: float | None = None, max_points: int = 1000
    ) -> Iterator[Bucket]:
        """Aggregates per interval (given, or chosen from ``max_points``), tiers picked automatically."""
        s, e = round(start * US), round(end * US)
        interval = round(interval_s * US) if interval_s else nice_interval(s, e, max_points)
        return aggregate(self.backend, self.planner, tags, s, e, interval)

    # -- asyncio side ---------------------------------------------------------------------------

    def subscribe(self, bus: TagBus, pattern: str | Sequence[str] = "*") -> Subscription:
        """Subscribe now (before producers start, so the first values are not missed); ``run`` then consumes.
        ``pattern`` narrows it when another path stores some tags itself (edge ingest: ``store``)."""
        # Every sample incl. repeats (the heartbeat needs them); a FIFO: the historian wants each one.
        if self._sub is None:
            self._sub = bus.subscribe("historian", pattern, delivery=Delivery.ALL, maxlen=500_000)
        return self._sub

    async def store(self, rows: Sequence[Row]) -> None:
        """Write rows straight to the backend, on the writer thread, bypassing policy and disk buffer; returns
        once they are stored. For producers with their own store-and-forward that must know rows are stored
        before they let go of them (edge ingest acknowledges gateways). Raises HistorianUnavailable."""
        if rows:
            await asyncio.get_running_loop().run_in_executor(self._writer, self._store_now, rows)

    def _store_now(self, rows: Sequence[Row]) -> None:
        if self.buffer is not None and not self._remote_ready:
            self.setup()
            self._remote_ready = True
        try:
            self.backend.write(rows)
        except HistorianUnavailable:
            self._remote_ready = False
            raise
        self._written(rows)

    async def _submit(self, rows: list[Row]) -> None:
        loop = asyncio.get_running_loop()
        self._in_flight = [f for f in self._in_flight if not f.done()]
        if len(self._in_flight) >= MAX_IN_FLIGHT:
            await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
        self._in_flight.append(loop.run_in_executor(self._writer, self.record, rows))

    async def consume(self, sub: Subscription) -> None:
        """Batch what the bus delivers by size and age; ends when the subscription closes (flushing first)."""
        loop = asyncio.get_running_loop()
        pending: list[Row] = []
        oldest = 0.0
        max_rows, max_delay = self.config.batch.max_rows, self.config.batch.max_delay_s
        while True:
            timeout = None if not pending else max(0.0, oldest + max_delay - loop.time())
            try:
                values = await asyncio.wait_for(sub.get_batch(), timeout)
            except TimeoutError:
                values = []
            if values:
                if not pending:
                    oldest = loop.time()
                pending.extend(self.policy.select(values))
            if pending and (len(pending) >= max_rows or loop.time() - oldest >= max_delay or sub.closed):
                while pending:
                    await self._submit(pending[:max_rows])
                    pending = pending[max_rows:]
            if sub.closed and not sub.pending:
                break
        await self.drain()

    async def drain(self) -> None:
        """Wait for every submitted write to finish."""
        if self._in_flight:
            await asyncio.gather(*self._in_flight, return_exceptions=True)
        self._in_flight.clear()

    async def forward(self) -> None:
        """Drain the disk buffer to the remote forever; back off while it is unreachable."""
        loop = asyncio.get_running_loop()
        backoff = Backoff(self.config.buffer.retry_s, 60.0)
        online: bool | None = None
        while True:
            try:
                sent = await loop.run_in_executor(self._forwarder, self.forward_once)
            except HistorianUnavailable as exc:
                if online is not False:
                    log.warning("remote historian unreachable; keeping values on disk", extra={"ctx": {"error": str(exc)}})
                online = False
                self._publish_status(False)
                await asyncio.sleep(backoff.next_delay())
                continue
            if online is not True:
                if online is False:
                    log.info("remote historian reachable again; forwarding the buffer", extra={"ctx": {"buffered_rows": self.buffer.rows}})
                online = True
            backoff.reset()
            self._publish_status(True)
            if not sent:
                await asyncio.sleep(0.2)

    def _publish_status(self, remote_online: bool) -> None:
        if self.buffer is not None:
            self.status.update(self.buffer.fill, remote_online, self.buffer.refused_rows)

    async def maintain(self) -> None:
        """Rollups every ``rollup_every_s``, retention once an hour (on the maintenance thread)."""
        loop = asyncio.get_running_loop()
        last_purge = 0.0
        while True:
            await asyncio.sleep(self.config.rollup_every_s)
            try:
                await loop.run_in_executor(self._maintainer, self.roll_up)
                if loop.time() - last_purge >= 3600:
                    await loop.run_in_executor(self._maintainer, self.purge)
                    last_purge = loop.time()
            except HistorianUnavailable as exc:
                log.warning("rollup postponed: remote historian unreachable", extra={"ctx": {"error": str(exc)}})

    async def run(self, bus: TagBus) -> None:
        """Serve until ``stop()`` or cancellation; either way what was received is written (or buffered) first."""
        sub = self.subscribe(bus)
        consume = asyncio.create_task(self.consume(sub), name="historian-consume")
        others = [asyncio.create_task(self.maintain(), name="historian-maintain")]
        if self.buffer is not None:
            others.append(asyncio.create_task(self.forward(), name="historian-forward"))
        try:
            await asyncio.shield(consume)
            if self.buffer is not None:  # a clean stop: what the last flush buffered goes out now if it can
                with contextlib.suppress(HistorianUnavailable):
                    await asyncio.get_running_loop().run_in_executor(self._forwarder, self.forward_all)
        except asyncio.CancelledError:
            sub.close()
            await consume  # flush the rows in hand before giving up
            raise
        finally:
            for task in others:
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)

    def stop(self) -> None:
        """End ``run``: the subscription closes, the consumer flushes and returns."""
        if self._sub is not None:
            self._sub.close()

    def close(self) -> None:
        self._writer.shutdown(wait=True)
        self._forwarder.shutdown(wait=True)
        self._maintainer.shutdown(wait=True)
        if self.fold is not None and self.fold.size():  # the open intervals too: the next start adds its own partials
            try:
                self._write_partials(None)
            except HistorianError as exc:
                log.warning("rollup partials of the open intervals not written", extra={"ctx": {"error": str(exc)}})
        if self.buffer is not None:
            self.buffer.close()
        self.backend.close()
