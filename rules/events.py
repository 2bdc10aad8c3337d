"""Typed alarm events and records: what subscribers, the journal and the KPIs receive.

``AlarmDef`` is what an alarm is (source, kind, texts), ``AlarmRecord`` one occurrence as the
national model keeps it (start / worst / current status, times, values and limits, clear type),
``AlarmEvent`` one transition of one alarm. Times are POSIX seconds (UTC).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from rules.state import AlarmState

# What ends an alarm record 消警类型.
CLEAR_TYPES = ("returned_to_normal", "operator_reset", "out_of_service", "removed")

TRANSITIONS = (
    "activated",  # a new occurrence (a new record)
    "escalated",  # moved to a worse level inside the same occurrence
    "changed",  # moved to a less severe level
    "cleared",  # returned to normal
    "acknowledged",
    "shelved",
    "unshelved",
    "shelve_expired",
    "suppressed",
    "unsuppressed",
    "out_of_service",
    "in_service",
    "reset",
    "missed",  # the gateway did not report an alarm the platform raised (漏报)
)


@dataclass(frozen=True, slots=True)
class AlarmDef:
    """One alarm of the master alarm database: where it comes from and what it says."""

    alarm_id: str  # "<source>:<kind>", e.g. "E01.T101.LT:limit"
    source: str  # a tag, a device health tag, or "compound:<rule>:<scope>"
    kind: str  # limit, bad_pv, rate, deviation, discrete, no_update, device_offline, …
    enterprise: str
    hazard_source: str = ""
    name: str = ""  # display name of the point / device / rule
    unit: str = ""
    priorities: dict[str, str] = field(default_factory=dict)  # level → priority name
    default_priority: str = "medium"
    latching: bool = False
    texts: dict[str, str] = field(default_factory=dict)  # message, cause, consequence, action

    def priority(self, level: str | None) -> str:
        return self.priorities.get(level or "", self.default_priority)


@dataclass(frozen=True, slots=True)
class AlarmRecord:
    """One occurrence from activation until it is cleared 报警记录."""

    id: int
    alarm_id: str
    source: str
    kind: str
    enterprise: str
    hazard_source: str
    priority: str  # the worst priority reached
    start_status: str
    worst_status: str
    current_status: str | None  # None once cleared
    start_at: float
    start_value: Any
    start_limit: float | None
    worst_at: float
    worst_value: Any
    worst_limit: float | None
    clear_at: float | None = None
    clear_value: Any = None
    clear_limit: float | None = None
    clear_type: str | None = None
    missed: bool = False
    ack_at: float | None = None
    ack_user: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One transition; ``state`` is after it, ``annunciate`` says whether operators are alerted."""

    at: float
    alarm: AlarmDef
    transition: str
    state: AlarmState
    priority: str
    message: str
    record: AlarmRecord | None = None
    value: Any = None
    limit: float | None = None
    user: str = ""
    note: str = ""
    annunciate: bool = False
    detail: dict[str, Any] = field(default_factory=dict)
    since: float = 0.0  # when the alarm left plain normal (its place in the active list)

    @property
    def alarm_id(self) -> str:
        return self.alarm.alarm_id


@dataclass(frozen=True, slots=True)
class ActiveAlarm:
    """A row of the active-alarm list (anything not back to plain normal)."""

    alarm: AlarmDef
    state: AlarmState
    priority: str
    message: str
    record: AlarmRecord | None
    since: float

    @property
    def alarm_id(self) -> str:
        return self.alarm.alarm_id

    @property
    def isa(self) -> str:
        return self.state.isa
