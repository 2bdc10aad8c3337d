"""The alarm engine: subscribes to the tag bus, runs the detectors, keeps the alarm table,
publishes alarm events to in-process subscribers and appends every transition to the journal.

Per sample: a dict lookup and the detectors of that tag (plain Python). Alarm changes — rare —
go to the compound rules (durable-rules), to subscribers at once, and to the journal in batches
written from an executor. The bus subscription CONFLATEs: under overload the engine sees the
latest value of every tag rather than an ever older backlog, which is what alarm state needs.

Public API (HMI, warning workflow, governance): ``acknowledge``, ``shelve``, ``unshelve``,
``suppress``, ``set_out_of_service``, ``out_of_service_tags``, ``reset``, ``active``, ``subscribe``, ``journal``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable

from sqlalchemy import Engine

from rules.build import Builder
from rules.compound import CompoundEngine
from rules.config import AlarmConfig
from rules.detectors import Detector
from rules.events import ActiveAlarm, AlarmDef, AlarmEvent, AlarmRecord
from rules.journal import AlarmJournal
from rules.limits import Limits
from rules.record_ids import RecordIds
from rules.state import AlarmState
from rules.table import AlarmTable
from scada.config import Plant
from tags import Delivery, OverflowPolicy, TagBus
from tags.value import TagValue

log = logging.getLogger(__name__)
CHANGES = frozenset({"activated", "escalated", "changed", "cleared"})


class AlarmSubscription:
    """Alarm events for one consumer: ``async for event in sub`` or ``sub.take()``; ``close()`` ends it."""

    def __init__(self, on_close: Callable[[AlarmSubscription], None]) -> None:
        self.queue: asyncio.Queue[AlarmEvent | None] = asyncio.Queue()
        self._on_close = on_close

    def take(self) -> list[AlarmEvent]:
        out = []
        while not self.queue.empty():
            e = self.queue.get_nowait()
            if e is not None:
                out.append(e)
        return out

    def __aiter__(self) -> AlarmSubscription:
        return self

    async def __anext__(self) -> AlarmEvent:
        e = await self.queue.get()
        if e is None:
            raise StopAsyncIteration
        return e

    def close(self) -> None:
        self._on_close(self)
        self.queue.put_nowait(None)


class _Hook:
    """A route entry that hands the sample to an engine method instead of a detector."""

    __slots__ = ("sample",)

    def __init__(self, sample: Callable[[TagValue], None]) -> None:
        self.sample = sample


class AlarmEngine:
    def __init__(
        self,
        plant: Plant,
        config: AlarmConfig,
        bus: TagBus | None = None,
        store: Engine | None = None,
        clock: Callable[[], float] = time.time,
        tick_s: float = 0.1,
        flush_s: float = 0.2,
    ) -> None:
        self.plant, self.config, self.bus, self.clock = plant, config, bus, clock
        self.tick_s, self.flush_s = tick_s, flush_s
        self.journal = AlarmJournal(store) if store is not None else None
        self.table = AlarmTable(config, RecordIds(self.journal.reserve_record_ids if self.journal else None))
        self.builder = Builder(plant, config, self, clock)
        w = self.builder.build()
        self.routes, self.idle_checks, self.gateway, self.suppress_tags, self.facts = w.routes, w.idle, w.gateway, w.suppress, w.facts
        self.table.gateway_points = set(self.gateway.values())
        self._hooks()
        self.compound = CompoundEngine(config.compound)
        self._pending: set[Detector] = set()
        self._foreign: set[str] = set()  # enterprises another central worker handles (hand_over)
        self._subs: list[AlarmSubscription] = []
        self._unwritten: list[AlarmEvent] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._last_idle = 0.0
        self.evaluations = 0

    # -- start, restore, stop -----------------------------------------------------------------

    def restore(self) -> int:
        """Load the persisted alarm table (blocking). Detectors resume at the stored levels: nothing re-annunciates."""
        if self.journal is None:
            return 0
        rows = self.journal.load_active()
        self._restore_rows(rows, self._detectors())
        self.table.ids.refill()  # the first block now, off the event loop
        return len(rows)

    def _detectors(self) -> dict[str, Detector]:
        return {d.defn.alarm_id: d for ds in self.routes.values() for d in ds if isinstance(d, Detector)}

    def _restore_rows(self, rows: list[tuple[AlarmDef, AlarmState, AlarmRecord | None, float]], dets: dict[str, Detector]) -> None:
        for d, s, record, since in rows:
            self.table.restore(d, s, record, since)
            det = dets.get(d.alarm_id)
            if det is not None and s.active:
                det.deb.restore(s.level)
            if s.active and d.alarm_id in self.facts:
                self.compound.update(d.alarm_id, {**self.facts[d.alarm_id], "level": s.level})

    async def hand_over(self, mine: set[str], gained: set[str]) -> int:
        """Central workers sharing one store (edge/central.py): keep the alarms of the enterprises in ``mine`` only,
        and take the ``gained`` ones over as the store has them — the state the previous worker journalled, so an
        alarm still active is neither annunciated again nor lost, and a cleared one is not cleared twice. Alarms of
        enterprises not in the plant (none today) are kept. Returns the alarms taken over."""
        rows = []
        if gained and self.journal is not None:
            await self.flush_journal()
            try:
                rows = await asyncio.get_running_loop().run_in_executor(None, self.journal.load_active)
            except Exception:  # the store is down: take the enterprises anyway (values must flow), alarms from normal
                log.exception("alarm states of the gained enterprises not loaded; their alarms start from normal")
        ours = {e.enterprise.code for e in self.plant.enterprises}
        # Newly another worker's, and the gained ones (what we hold of them is from our own start or older); those
        # already another's were dropped at that hand-over and have had no sample since.
        drop = (ours - mine - self._foreign) | gained
        dets = self._detectors()
        self.table.forget([aid for aid, d in self.table.defs.items() if d.enterprise in drop], drop)
        now = self.clock()
        for aid, det in dets.items():
            if det.defn.enterprise in drop:
                det.reset(now)
                self._pending.discard(det)
                if aid in self.facts:
                    self.compound.update(aid, None)
        self._foreign = ours - mine  # no samples of theirs come here: their idle checks (frozen values) would fire
        taken = [r for r in rows if r[0].enterprise in gained]
        self._restore_rows(taken, dets)
        log.info("alarms handed over", extra={"ctx": {"mine": len(mine), "gained": len(gained), "taken_over": len(taken)}})
        return len(taken)

    async def start(self) -> None:
        if self.journal is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.restore)
        if self.bus is not None:
            sub = self.bus.subscribe("alarms", "*", policy=OverflowPolicy.CONFLATE, delivery=Delivery.CHANGED)
            self._tasks.append(asyncio.create_task(self._consume(sub), name="alarms-consume"))
        self._tasks.append(asyncio.create_task(self._ticker(), name="alarms-tick"))
        self._tasks.append(asyncio.create_task(self._writer(), name="alarms-journal"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        await self.flush_journal()

    async def _consume(self, sub) -> None:  # type: ignore[no-untyped-def]
        try:
            async for batch in sub:
                self.process(batch)
        finally:
            sub.close()

    async def _ticker(self) -> None:
        while True:
            await asyncio.sleep(self.tick_s)
            self.tick(self.clock())

    async def _writer(self) -> None:
        while True:
            await asyncio.sleep(self.flush_s)
            await self.flush_journal()

    async def flush_journal(self) -> None:
        if self.journal is None:
            self._unwritten.clear()
            return
        if not self._unwritten:
            return
        batch, self._unwritten = self._unwritten, []
        try:
            await asyncio.get_running_loop().run_in_executor(None, self.journal.write, batch)
        except Exception:
            log.exception("alarm journal write failed; %d transitions kept for the next attempt", len(batch))
            self._unwritten[:0] = batch

    def write_journal(self) -> None:
        """Blocking flush (for scripts and tests without a running writer)."""
        if self.journal is not None:
            batch, self._unwritten = self._unwritten, []
            self.journal.write(batch)

    # -- evaluation -----------------------------------------------------------------------------

    def process(self, batch: Iterable[TagValue]) -> None:
        routes = self.routes
        n = 0
        for v in batch:
            dets = routes.get(v[0])
            if dets is not None:
                for det in dets:
                    det.sample(v)
                n += 1
            else:
                self._video(v)
        self.evaluations += n
        if self.table.outbox:
            self._dispatch()

    def _hooks(self) -> None:
        """Gateway alarm-status and suppression-condition tags feed the table, beside any detectors of theirs."""
        for tag in self.gateway:
            self._route_gateway_status(tag)
        for tag in self.suppress_tags:
            self.routes.setdefault(tag, []).append(_Hook(self._suppression))  # type: ignore[arg-type]

    def add_gateway_status(self, status_tag: str, point: str) -> None:
        """Feed ``status_tag`` (the gateway's own alarm state of ``point``) into the missed-alarm check,
        as a configured ``<TAG>_ALM`` point is; for status tags the edge uplink adds (edge/crosscheck.py)."""
        self.gateway[status_tag] = point
        self.table.gateway_points.add(point)
        self._route_gateway_status(status_tag)

    def _route_gateway_status(self, tag: str) -> None:
        self.routes.setdefault(tag, []).append(_Hook(self._gateway_status))  # type: ignore[arg-type]

    def _gateway_status(self, v: TagValue) -> None:
        self.table.gateway_status(self.gateway[v.tag], bool(v.value) and not v.quality & 0x80000000)

    def _suppression(self, v: TagValue) -> None:
        if v.quality & 0x80000000:
            return  # an unknown condition changes nothing
        for i in self.suppress_tags[v.tag]:
            rule = self.config.suppression[i]
            self.table.design_suppression(i, rule.suppress, rule.reason, v.value == rule.when.equals, v.server_time)

    def _video(self, v: TagValue) -> None:
        det = self.builder.video(v.tag)  # None for any other unrouted tag
        if det is not None:
            self.routes[v.tag] = [det]
            det.sample(v)

    # Sink for detectors.
    def commit(self, det: Detector, t: float) -> None:
        level = det.deb.committed
        previous = self.table.state(det.defn.alarm_id).level
        self.table.condition(det.defn, level, t, det.deb.value, det.limit(level or previous))
        self._pending.discard(det)

    def pending(self, det: Detector) -> None:
        self._pending.add(det)

    def tick(self, now: float) -> None:
        for det in list(self._pending):
            if det.deb.due(now):
                self.commit(det, now)
            elif not det.deb.pending:
                self._pending.discard(det)
        if now - self._last_idle >= 1.0:
            self._last_idle = now
            foreign = self._foreign
            for det in self.idle_checks:
                if not foreign or det.defn.enterprise not in foreign:
                    det.idle(now)
        self.table.tick(now)
        if self.table.outbox:
            self._dispatch()

    def _dispatch(self) -> None:
        """Drain the table's outbox: compound rules first (they may add events), then subscribers and the journal."""
        events: list[AlarmEvent] = []
        while self.table.outbox:
            batch, self.table.outbox = self.table.outbox, []
            events.extend(batch)
            self._compound(batch)
        self._unwritten.extend(events)
        for sub in self._subs:
            for e in events:
                sub.queue.put_nowait(e)

    def _compound(self, events: list[AlarmEvent]) -> None:
        if not self.compound.rules:
            return
        before = self.compound.active
        for e in events:
            fact = self.facts.get(e.alarm_id)
            if fact is not None and e.transition in CHANGES:
                self.compound.update(e.alarm_id, {**fact, "level": e.state.level} if e.state.active else None)
        after = self.compound.active
        for rule_id, hs in after ^ before:
            d = self.builder.compound_def(self.compound.rules[rule_id], hs)
            now = events[-1].at
            self.table.condition(d, "active" if (rule_id, hs) in after else None, now, ", ".join(self.compound.members((rule_id, hs))))

    # -- public API -----------------------------------------------------------------------------

    def subscribe(self) -> AlarmSubscription:
        sub = AlarmSubscription(lambda s: self._subs.remove(s) if s in self._subs else None)
        self._subs.append(sub)
        return sub

    def active(self) -> list[ActiveAlarm]:
        return self.table.active()

    def _act(self, action: Callable[[], None]) -> None:
        action()
        self._dispatch()

    def acknowledge(self, alarm_id: str, user: str, note: str = "") -> None:
        self._act(lambda: self.table.acknowledge(alarm_id, user, note, self.clock()))

    def shelve(self, alarm_id: str, user: str, reason: str, duration_s: float | None = None, one_shot: bool = False) -> None:
        self._act(lambda: self.table.shelve(alarm_id, user, reason, self.clock(), duration_s, one_shot))

    def unshelve(self, alarm_id: str, user: str) -> None:
        self._act(lambda: self.table.unshelve(alarm_id, user, self.clock()))

    def suppress(self, alarm_id: str, user: str, reason: str = "", on: bool = True) -> None:
        self._act(lambda: self.table.suppress(alarm_id, user, reason, on, self.clock()))

    def set_out_of_service(self, tags: Iterable[str], declaration_id: str, on: bool, user: str = "system") -> None:
        tags = list(tags)
        self._act(lambda: self.table.set_out_of_service(tags, declaration_id, on, user, self.clock()))

    def out_of_service_tags(self) -> dict[str, str]:
        """tag → declaration id of every point out of service now (what the screens mark 停用); a copy."""
        return self.table.out_of_service_tags()

    def reset(self, alarm_id: str, user: str, note: str = "") -> None:
        self._act(lambda: self.table.reset(alarm_id, user, note, self.clock()))

    # -- hot reload -----------------------------------------------------------------------------

    def reconfigure(self, plant: Plant, config: AlarmConfig, current: Callable[[str], TagValue | None]) -> list[str]:
        """Rewire for a reloaded plant / alarms.yaml (on the loop). A detector whose definition and settings are
        unchanged is kept as it is (state, delays and alarm run on: nothing re-annunciates); a new or changed one
        starts at the level the table holds and is fed the tag's ``current`` value once, so changed limits apply at
        once. Conditions that no longer exist clear. Returns the alarm ids re-evaluated."""
        now = self.clock()
        old = {d.defn.alarm_id: d for ds in self.routes.values() for d in ds if isinstance(d, Detector)}
        video = {t: ds for t, ds in self.routes.items() if "._video." in t}
        compound_changed = config.compound != self.config.compound
        self.plant, self.config, self.table.config = plant, config, config
        self.builder = Builder(plant, config, self, self.clock)
        w = self.builder.build()
        final: dict[int, Detector] = {}
        fresh: dict[int, tuple[Detector, list[str]]] = {}
        for tag, dets in w.routes.items():
            for det in dets:
                prev = old.get(det.defn.alarm_id)
                if prev is not None and _settings(prev) == _settings(det):
                    final[id(det)] = prev
                else:
                    final[id(det)] = det
                    fresh.setdefault(id(det), (det, []))[1].append(tag)
        self.routes = {tag: [final[id(d)] for d in dets] for tag, dets in w.routes.items()}
        for tag, dets in video.items():
            self.routes.setdefault(tag, dets)
        self.idle_checks = [final[id(d)] for d in w.idle]
        self.gateway, self.suppress_tags, self.facts = w.gateway, w.suppress, w.facts
        self.table.gateway_points = set(self.gateway.values())
        self._hooks()
        live = {d.defn.alarm_id for ds in self.routes.values() for d in ds if isinstance(d, Detector)}
        self._pending = {d for d in self._pending if d.defn.alarm_id in live and d in final.values()}
        for alarm_id in set(old) - live:  # a removed point or rule: its alarm returns to normal
            if self.table.state(alarm_id).active:
                self.table.condition(self.table.defs[alarm_id], None, now)
        if compound_changed:
            self.compound = CompoundEngine(config.compound)
            for a in self.table.active():
                if a.state.active and a.alarm.alarm_id in self.facts:
                    self.compound.update(a.alarm.alarm_id, {**self.facts[a.alarm.alarm_id], "level": a.state.level})
        for det, tags in fresh.values():
            s = self.table.state(det.defn.alarm_id)
            if s.active:
                det.deb.restore(s.level)
            if det.defn.alarm_id in self.table.defs:
                self.table.defs[det.defn.alarm_id] = det.defn  # new texts, name or priorities from now on
            for tag in tags:
                v = current(tag)
                if v is not None:
                    det.sample(v._replace(server_time=now))
        if self.table.outbox:
            self._dispatch()
        return sorted(det.defn.alarm_id for det, _ in fresh.values())


_STATE_SLOTS = frozenset({"deb", "defn", "sink", "samples", "values", "last"})


def _settings(det: Detector) -> tuple[object, ...]:
    """A detector's definition and settings, without its running state: equal means it can be kept across a reload."""
    out: list[object] = [type(det), det.defn, det.deb.on_delay, det.deb.off_delay]
    for cls in type(det).__mro__:
        for name in getattr(cls, "__slots__", ()):
            if name not in _STATE_SLOTS:
                value = getattr(det, name)
                out.append(tuple(getattr(value, x) for x in value.__slots__) if isinstance(value, Limits) else value)
    return tuple(out)
