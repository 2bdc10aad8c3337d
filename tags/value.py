"""The immutable tag value: what every consumer of the tag bus receives.

A ``NamedTuple`` rather than a frozen dataclass: it is created for every sample on the hot path,
and tuple construction is several times cheaper than a frozen dataclass ``__init__``.
"""

from __future__ import annotations

from typing import NamedTuple

Scalar = float | int | bool | str | None


class TagValue(NamedTuple):
    """One sample of one tag.

    ``source_time`` is when the field device (or driver) measured it, ``server_time`` when this
    server accepted it; both are POSIX seconds (UTC). ``quality`` is an OPC UA StatusCode.
    """

    tag: str
    value: Scalar
    quality: int
    source_time: float
    server_time: float


class TagUpdate(NamedTuple):
    """What a producer hands to the tag store: the store alone stamps ``server_time``."""

    tag: str
    value: Scalar
    quality: int
    source_time: float
