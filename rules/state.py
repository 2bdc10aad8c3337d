"""Alarm state as orthogonal sub-states (OPC UA Part 9) and the ISA-18.2 state shown from them.

Pure: every transition takes a state and returns a new one, or raises ``AlarmError`` when the
action does not apply. No clock, no I/O — the alarm table supplies times and records.

Sub-states: active (with the current condition ``level``), acknowledged, shelved (timed or
one-shot), suppressed by design, out of service, latched (returned to normal, held until reset).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from rules.errors import AlarmError

ShelveKind = Literal["timed", "one_shot"]

ISA_STATES = (
    "normal",
    "unacknowledged",
    "acknowledged",
    "returned_unacknowledged",
    "shelved",
    "suppressed",
    "out_of_service",
    "latched",
)


@dataclass(frozen=True, slots=True)
class Shelving:
    kind: ShelveKind
    user: str
    reason: str
    since: float
    until: float  # a one-shot shelve also ends here: the configured maximum


@dataclass(frozen=True, slots=True)
class AlarmState:
    active: bool = False
    acked: bool = True
    level: str | None = None  # the active condition: high_high, rising, offline, …
    shelved: Shelving | None = None
    suppressed: str | None = None  # reason (a design condition or an operator's)
    out_of_service: str | None = None  # approved device-disable declaration id
    latched: bool = False  # returned to normal, held until an operator resets it

    @property
    def isa(self) -> str:
        if self.out_of_service is not None:
            return "out_of_service"
        if self.suppressed is not None:
            return "suppressed"
        if self.shelved is not None:
            return "shelved"
        if self.active:
            return "acknowledged" if self.acked else "unacknowledged"
        if self.latched:
            return "latched"
        return "normal" if self.acked else "returned_unacknowledged"

    @property
    def annunciated(self) -> bool:
        """Shown to operators: shelved, suppressed and out-of-service alarms are evaluated, not annunciated."""
        return self.shelved is None and self.suppressed is None and self.out_of_service is None

    @property
    def is_default(self) -> bool:
        """Nothing left to show or remember: the alarm can leave the active table."""
        return self == NORMAL

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AlarmState:
        shelved = data.get("shelved")
        return cls(**{**data, "shelved": Shelving(**shelved) if shelved else None})


NORMAL = AlarmState()


def activate(s: AlarmState, level: str, escalated: bool) -> AlarmState:
    """The condition became active, or moved to another level; a new or worse condition needs a new acknowledgement."""
    acked = s.acked and s.active and not escalated
    return replace(s, active=True, level=level, acked=acked)


def clear(s: AlarmState, latching: bool) -> AlarmState:
    """Returned to normal. A latching alarm stays latched; a one-shot shelve ends here."""
    shelved = None if s.shelved is not None and s.shelved.kind == "one_shot" else s.shelved
    return replace(s, active=False, level=None, latched=s.latched or latching, shelved=shelved)


def acknowledge(s: AlarmState) -> AlarmState:
    if s.acked:
        raise AlarmError("the alarm is already acknowledged")
    return replace(s, acked=True)


def shelve(s: AlarmState, shelving: Shelving) -> AlarmState:
    if s.out_of_service is not None:
        raise AlarmError("an alarm out of service cannot be shelved")
    if s.shelved is not None:
        raise AlarmError(f"the alarm is already shelved (by {s.shelved.user}: {s.shelved.reason})")
    return replace(s, shelved=shelving)


def unshelve(s: AlarmState) -> AlarmState:
    """Manual unshelve: the operator has seen it, so it comes back acknowledged."""
    if s.shelved is None:
        raise AlarmError("the alarm is not shelved")
    return replace(s, shelved=None, acked=True)


def expire_shelve(s: AlarmState) -> AlarmState:
    """The shelving timer ran out: an alarm still active comes back unacknowledged."""
    if s.shelved is None:
        raise AlarmError("the alarm is not shelved")
    return replace(s, shelved=None, acked=s.acked and not s.active)


def suppress(s: AlarmState, reason: str) -> AlarmState:
    if s.suppressed is not None:
        raise AlarmError(f"the alarm is already suppressed ({s.suppressed})")
    return replace(s, suppressed=reason)


def unsuppress(s: AlarmState) -> AlarmState:
    if s.suppressed is None:
        raise AlarmError("the alarm is not suppressed")
    return replace(s, suppressed=None)


def remove_from_service(s: AlarmState, declaration: str) -> AlarmState:
    """Out of service under a device-disable declaration; a shelve ends (the declaration supersedes it)."""
    if s.out_of_service is not None:
        raise AlarmError(f"the alarm is already out of service (declaration {s.out_of_service})")
    return replace(s, out_of_service=declaration, shelved=None, acked=True, latched=False)


def return_to_service(s: AlarmState) -> AlarmState:
    """Back in service: a condition still active is a new alarm for the operator."""
    if s.out_of_service is None:
        raise AlarmError("the alarm is not out of service")
    return replace(s, out_of_service=None, acked=not s.active)


def reset(s: AlarmState) -> AlarmState:
    if not s.latched:
        raise AlarmError("the alarm is not latched")
    if s.active:
        raise AlarmError("a latched alarm can be reset only after it has returned to normal")
    return replace(s, latched=False, acked=True)
