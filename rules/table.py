"""The alarm table: every alarm's sub-states and current record, and the events its transitions make.

Synchronous and clock-free: detectors report committed conditions with their time, operators
act through the methods below, and each transition appends an ``AlarmEvent`` to ``outbox``
(drained by the engine into the journal and to subscribers). Shelving expiry and missed-alarm
checks run in ``tick``.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import replace
from fnmatch import fnmatchcase
from typing import Any

from rules import state as st
from rules.config import AlarmConfig, as_value
from rules.errors import AlarmError
from rules.events import ActiveAlarm, AlarmDef, AlarmEvent, AlarmRecord
from rules.limits import LEVEL_ZH, SEVERITY
from rules.record_ids import RecordIds
from rules.state import NORMAL, AlarmState, Shelving

LEVELS_ZH = {
    **LEVEL_ZH,
    "bad": "坏值",
    "rising": "上升速率超限",
    "falling": "下降速率超限",
    "deviation": "冗余仪表偏差超限",
    "off_normal": "状态异常",
    "stale": "数据长时间不更新",
    "offline": "离线",
    "lost": "视频丢失",
    "active": "联合报警",
}


class AlarmTable:
    def __init__(self, config: AlarmConfig, ids: RecordIds | None = None) -> None:
        self.config = config
        self.ids = ids or RecordIds()
        self.defs: dict[str, AlarmDef] = {}
        self.states: dict[str, AlarmState] = {}  # only alarms not in plain normal
        self.records: dict[str, AlarmRecord] = {}  # open records by alarm id
        self.since: dict[str, float] = {}
        self.outbox: list[AlarmEvent] = []
        self._design: dict[int, tuple[list[str], str]] = {}  # active suppression rules
        self._oos: dict[str, str] = {}  # tag → declaration id
        self._gateway: dict[str, bool] = {}  # point tag → gateway reports it alarming
        self._gateway_seen: dict[int, bool] = {}  # record id → the gateway alarmed during it
        # What tick() must look at, kept as indexes: scanning every state and record each second cost a
        # national-scale worker a fifth of its CPU (bench/national.py).
        self._shelved: set[str] = set()  # alarm ids whose state is shelved
        self._unseen: dict[int, str] = {}  # record id → alarm id: open records the gateway has not reported yet
        # (start time, record id) of the unseen ones, earliest first: a tick looks only at those past their grace,
        # not at every open record (thousands at national scale, ten ticks a second). Entries no longer unseen
        # are skipped when they come up.
        self._unseen_due: list[tuple[float, int]] = []
        self.gateway_points: set[str] = set()

    # -- reading --------------------------------------------------------------------------------

    def state(self, alarm_id: str) -> AlarmState:
        return self.states.get(alarm_id, NORMAL)

    def out_of_service_tags(self) -> dict[str, str]:
        """tag → declaration id of every point out of service now, alarmed or not (a copy)."""
        return dict(self._oos)

    def active(self) -> list[ActiveAlarm]:
        cfg = self.config
        rows = []
        for alarm_id, s in self.states.items():
            d = self.defs[alarm_id]
            record = self.records.get(alarm_id)
            # The message shows the record's worst value and limit (what the operator must act on).
            value, limit = (record.worst_value, record.worst_limit) if record is not None else (None, None)
            rows.append(ActiveAlarm(d, s, self._priority(d, s), self.message(d, s.level, value, limit), record, self.since[alarm_id]))
        return sorted(rows, key=lambda r: (cfg.rank(r.priority), -r.since))

    def _priority(self, d: AlarmDef, s: AlarmState) -> str:
        record = self.records.get(d.alarm_id)
        return d.priority(s.level) if s.active or record is None else record.priority

    def message(self, d: AlarmDef, level: str | None, value: Any = None, limit: float | None = None) -> str:
        fields = {
            "name": d.name,
            "tag": d.source,
            "source": d.source,
            "value": as_value(value),
            "unit": d.unit,
            "limit": as_value(limit),
            "level": level or "",
            "level_zh": LEVELS_ZH.get(level or "", level or ""),
            "status": level or "",
            "enterprise": d.enterprise,
            "hazard_source": d.hazard_source,
        }
        return d.texts.get("message", "{name} {level_zh}").format_map(fields)

    # -- definitions ----------------------------------------------------------------------------

    def define(self, d: AlarmDef) -> AlarmDef:
        return self.defs.setdefault(d.alarm_id, d)

    def restore(self, d: AlarmDef, s: AlarmState, record: AlarmRecord | None, since: float) -> None:
        """Put back a persisted alarm exactly as it was: no event, nothing re-annunciated."""
        self.defs[d.alarm_id] = d
        self.states[d.alarm_id] = s
        self.since[d.alarm_id] = since
        if s.shelved is not None:
            self._shelved.add(d.alarm_id)
        if record is not None and record.clear_at is None:
            self.records[d.alarm_id] = record
        if s.out_of_service and d.source:
            self._oos.setdefault(d.source, s.out_of_service)

    def forget(self, alarm_ids: Iterable[str], enterprises: set[str]) -> None:
        """Drop alarms without an event: another worker handles their enterprises now (the store has their state).
        ``enterprises``: theirs, for the gateway statuses kept per point tag."""
        for aid in alarm_ids:
            self.defs.pop(aid, None)
            self.states.pop(aid, None)
            self.since.pop(aid, None)
            self._shelved.discard(aid)
            record = self.records.pop(aid, None)
            if record is not None:
                self._unseen.pop(record.id, None)
                self._gateway_seen.pop(record.id, None)
        for tag in [t for t in self._gateway if t.partition(".")[0] in enterprises]:
            del self._gateway[tag]

    # -- conditions from detectors --------------------------------------------------------------

    def condition(self, d: AlarmDef, level: str | None, t: float, value: Any = None, limit: float | None = None) -> None:
        d = self.define(d)
        s = self._initial(d)
        if level is not None:
            if s.active and s.level == level:
                return
            worse = s.active and s.level is not None and self._worse(d, level, s.level)
            transition = "activated" if not s.active else "escalated" if worse else "changed"
            new = st.activate(s, level, escalated=worse)
            if transition != "activated":
                record = self._worsen(d, level, t, value, limit)
            else:  # art. 18: an out-of-service point makes no alarm records
                record = self._open(d, level, t, value, limit) if s.out_of_service is None else None
            self._emit(d, transition, new, t, value, limit, record=record)
        elif s.active:
            new = st.clear(s, latching=d.latching and s.out_of_service is None)
            record = self._close(d, t, value, limit, "returned_to_normal")
            self._emit(d, "cleared", new, t, value, limit, record=record)

    def _initial(self, d: AlarmDef) -> AlarmState:
        s = self.states.get(d.alarm_id)
        if s is not None:
            return s
        s = NORMAL
        for globs, reason in self._design.values():
            if any(fnmatchcase(d.source, g) for g in globs):
                s = replace(s, suppressed=reason)
        if d.source in self._oos:
            s = replace(s, out_of_service=self._oos[d.source])
        return s

    def _open(self, d: AlarmDef, level: str, t: float, value: Any, limit: float | None) -> AlarmRecord | None:
        rid = self.ids.take()
        p = d.priority(level)
        r = AlarmRecord(
            rid, d.alarm_id, d.source, d.kind, d.enterprise, d.hazard_source, p, level, level, level, t, value, limit, t, value, limit
        )
        self.records[d.alarm_id] = r
        if d.source in self.gateway_points:
            seen = self._gateway_seen[rid] = self._gateway.get(d.source, False)
            if not seen:
                self._unseen[rid] = d.alarm_id
                heapq.heappush(self._unseen_due, (t, rid))
        return r

    def _worse(self, d: AlarmDef, a: str, b: str) -> bool:
        """Level ``a`` is worse than ``b``: a higher priority, or the second-level limit of the same priority."""
        ra, rb = self.config.rank(d.priority(a)), self.config.rank(d.priority(b))
        return ra < rb or (ra == rb and SEVERITY.get(a, 1) > SEVERITY.get(b, 1))

    def _worsen(self, d: AlarmDef, level: str, t: float, value: Any, limit: float | None) -> AlarmRecord | None:
        r = self.records.get(d.alarm_id)
        if r is None:
            return None
        if self._worse(d, level, r.worst_status):
            r = replace(r, priority=d.priority(level), worst_status=level, worst_at=t, worst_value=value, worst_limit=limit)
        r = replace(r, current_status=level)
        self.records[d.alarm_id] = r
        return r

    def _close(self, d: AlarmDef, t: float, value: Any, limit: float | None, clear_type: str) -> AlarmRecord | None:
        r = self.records.pop(d.alarm_id, None)
        if r is None:
            return None
        self._gateway_seen.pop(r.id, None)
        self._unseen.pop(r.id, None)
        return replace(r, current_status=None, clear_at=t, clear_value=value, clear_limit=limit, clear_type=clear_type)

    def _emit(
        self, d: AlarmDef, transition: str, new: AlarmState, t: float, value: Any = None, limit: float | None = None, **kw: Any
    ) -> None:
        old = self.states.get(d.alarm_id, NORMAL)
        if new.shelved is None:
            self._shelved.discard(d.alarm_id)
        else:
            self._shelved.add(d.alarm_id)
        if new.is_default:
            self.states.pop(d.alarm_id, None)
            self.since.pop(d.alarm_id, None)
        else:
            self.states[d.alarm_id] = new
            if old.is_default or transition == "activated":
                self.since[d.alarm_id] = t
        record = kw.pop("record", self.records.get(d.alarm_id))
        priority = record.priority if record is not None else d.priority(new.level)
        annunciate = new.annunciated and transition in ("activated", "escalated", "shelve_expired", "in_service") and not new.acked
        level = new.level if new.active else (record.worst_status if record else None)
        message = self.message(d, level, value, limit)
        since = self.since.get(d.alarm_id, t)
        self.outbox.append(
            AlarmEvent(t, d, transition, new, priority, message, record, value, limit, annunciate=annunciate, since=since, **kw)
        )

    # -- operator actions -----------------------------------------------------------------------

    def _get(self, alarm_id: str) -> tuple[AlarmDef, AlarmState]:
        d = self.defs.get(alarm_id)
        if d is None:
            raise AlarmError(f"unknown alarm {alarm_id!r}")
        return d, self.state(alarm_id)

    def acknowledge(self, alarm_id: str, user: str, note: str, t: float) -> None:
        d, s = self._get(alarm_id)
        if not user.strip():
            raise AlarmError("acknowledging an alarm needs a user")
        priority = self._priority(d, s)
        if self.config.note_required(priority) and not note.strip():
            raise AlarmError(f"a {priority} alarm needs a note to be acknowledged")
        new = st.acknowledge(s)
        r = self.records.get(alarm_id)
        if r is not None and r.ack_at is None:
            self.records[alarm_id] = r = replace(r, ack_at=t, ack_user=user)
        self._emit(d, "acknowledged", new, t, user=user, note=note)

    def shelve(self, alarm_id: str, user: str, reason: str, t: float, duration_s: float | None = None, one_shot: bool = False) -> None:
        d, s = self._get(alarm_id)
        if not user.strip() or not reason.strip():
            raise AlarmError("shelving an alarm needs a user and a reason")
        limit = self.config.shelving.max_duration_s
        if one_shot == (duration_s is not None):
            raise AlarmError("shelve either for a duration or one-shot (until it returns to normal)")
        if duration_s is not None and not 0 < duration_s <= limit:
            raise AlarmError(f"shelving time must be between 0 and the maximum of {limit:g} s, not {duration_s:g} s")
        until = t + (duration_s if duration_s is not None else limit)
        shelving = Shelving("one_shot" if one_shot else "timed", user, reason, t, until)
        self._emit(d, "shelved", st.shelve(s, shelving), t, user=user, note=reason, detail={"until": until, "kind": shelving.kind})

    def unshelve(self, alarm_id: str, user: str, t: float) -> None:
        d, s = self._get(alarm_id)
        self._emit(d, "unshelved", st.unshelve(s), t, user=user)

    def suppress(self, alarm_id: str, user: str, reason: str, on: bool, t: float) -> None:
        d, s = self._get(alarm_id)
        if on:
            self._emit(d, "suppressed", st.suppress(s, reason), t, user=user, note=reason)
        else:
            self._emit(d, "unsuppressed", st.unsuppress(s), t, user=user)

    def design_suppression(self, rule: int, globs: list[str], reason: str, on: bool, t: float) -> None:
        """A suppression-by-design condition began or ended: apply it to every matching alarm."""
        if on == (rule in self._design):
            return
        if on:
            self._design[rule] = (globs, reason)
        else:
            del self._design[rule]
        for alarm_id, d in list(self.defs.items()):
            if any(fnmatchcase(d.source, g) for g in globs):
                s = self.state(alarm_id)
                if on and s.suppressed is None:
                    self._emit(d, "suppressed", st.suppress(s, reason), t, user="system", note=reason)
                elif not on and s.suppressed == reason:
                    self._emit(d, "unsuppressed", st.unsuppress(s), t, user="system")

    def set_out_of_service(self, tags: Iterable[str], declaration: str, on: bool, user: str, t: float) -> None:
        """Device-disable declaration approved (on) or ended (off) for these tags' alarms."""
        tags = set(tags)
        for tag in tags:
            if on:
                self._oos[tag] = declaration
            elif self._oos.get(tag) == declaration:
                del self._oos[tag]
        for alarm_id, d in list(self.defs.items()):
            if d.source not in tags:
                continue
            s = self.state(alarm_id)
            if on and s.out_of_service is None:
                record = self._close(d, t, None, None, "out_of_service")
                self._emit(d, "out_of_service", st.remove_from_service(s, declaration), t, user=user, note=declaration, record=record)
            elif not on and s.out_of_service == declaration:
                new = st.return_to_service(s)
                record = self._open(d, new.level, t, None, None) if new.active and new.level else None
                self._emit(d, "in_service", new, t, user=user, note=declaration, record=record)

    def reset(self, alarm_id: str, user: str, note: str, t: float) -> None:
        d, s = self._get(alarm_id)
        if not user.strip():
            raise AlarmError("resetting an alarm needs a user")
        if d.latching and s.active:
            raise AlarmError("a latched alarm can be reset only after it has returned to normal")
        self._emit(d, "reset", st.reset(s), t, user=user, note=note)

    # -- gateway alarm status (漏报) and timers ---------------------------------------------------

    def gateway_status(self, tag: str, alarming: bool) -> None:
        self._gateway[tag] = alarming
        if alarming:
            for alarm_id in (f"{tag}:limit",):
                r = self.records.get(alarm_id)
                if r is not None:
                    self._gateway_seen[r.id] = True
                    self._unseen.pop(r.id, None)

    def tick(self, now: float) -> None:
        for alarm_id in [a for a in self._shelved if now >= self.states[a].shelved.until]:  # type: ignore[union-attr]
            s = self.states[alarm_id]
            self._emit(self.defs[alarm_id], "shelve_expired", st.expire_shelve(s), now, user="system")
        grace = self.config.gateway_status.grace_s
        due = self._unseen_due
        while due and now - due[0][0] >= grace:
            _start, rid = heapq.heappop(due)
            alarm_id = self._unseen.pop(rid, None)
            r = self.records.get(alarm_id) if alarm_id is not None else None
            if r is None or r.id != rid or r.missed:  # reported by the gateway, or closed, meanwhile
                continue
            self.records[alarm_id] = r = replace(r, missed=True)
            d = self.defs[alarm_id]
            self._emit(d, "missed", self.state(alarm_id), now, r.start_value, r.start_limit, detail={"grace_s": grace})
