"""Tag quality as OPC UA StatusCode values.

Owns the numeric quality codes and their names. Quality is a plain ``int`` on the hot path
(comparisons and dictionary keys stay cheap); ``Quality`` names the codes we use, and the
values are exactly OPC UA's so the OPC UA driver can pass a server's StatusCode straight through.
"""

from __future__ import annotations

from enum import IntEnum

_SEVERITY_MASK = 0xC0000000
_UNCERTAIN_BIT = 0x40000000
_BAD_BIT = 0x80000000


class Quality(IntEnum):
    """The StatusCodes this system produces itself (OPC UA Part 4/6 numbering)."""

    GOOD = 0x00000000
    GOOD_LOCAL_OVERRIDE = 0x00960000
    UNCERTAIN = 0x40000000
    UNCERTAIN_LAST_USABLE_VALUE = 0x40900000
    UNCERTAIN_SENSOR_NOT_ACCURATE = 0x40930000
    UNCERTAIN_ENGINEERING_UNITS_EXCEEDED = 0x40940000
    UNCERTAIN_NO_COMMUNICATION_LAST_USABLE_VALUE = 0x408F0000
    BAD = 0x80000000
    BAD_NO_COMMUNICATION = 0x80310000
    BAD_WAITING_FOR_INITIAL_DATA = 0x80320000
    BAD_OUT_OF_RANGE = 0x803C0000
    BAD_CONFIGURATION_ERROR = 0x80890000
    BAD_NOT_CONNECTED = 0x808A0000
    BAD_DEVICE_FAILURE = 0x808B0000
    BAD_SENSOR_FAILURE = 0x808C0000
    BAD_OUT_OF_SERVICE = 0x808D0000


def is_good(code: int) -> bool:
    return code & _SEVERITY_MASK == 0


def is_uncertain(code: int) -> bool:
    return code & _SEVERITY_MASK == _UNCERTAIN_BIT


def is_bad(code: int) -> bool:
    return code & _BAD_BIT != 0


def severity(code: int) -> str:
    """``good``, ``uncertain`` or ``bad`` — the top two bits of the StatusCode."""
    if is_bad(code):
        return "bad"
    return "uncertain" if is_uncertain(code) else "good"


def quality_name(code: int) -> str:
    """A readable name, e.g. ``Bad_NoCommunication``; unknown sub-codes fall back to severity + hex."""
    try:
        member = Quality(code)
    except ValueError:
        return f"{severity(code).capitalize()}(0x{code:08X})"
    head, _, tail = member.name.partition("_")
    parts = tail.split("_") if tail else []
    return head.capitalize() + ("_" + "".join(p.capitalize() for p in parts) if parts else "")
