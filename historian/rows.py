"""What the historian stores: one row per recorded sample, and what queries return.

Times are integer microseconds since the epoch (UTC): exact as keys (a float second is not), and
the resolution both backends keep. ``t`` is the source time (the series key), ``server_t`` when
this server accepted the value; both are stored with every value, as is the quality.
"""

from __future__ import annotations

from typing import NamedTuple

from tags.value import Scalar

US = 1_000_000


class Row(NamedTuple):
    tag: str
    t: int  # source time, µs
    value: Scalar
    quality: int
    server_t: int  # server time, µs


class Bucket(NamedTuple):
    """One interval of an aggregated trend; mean/min/max/last are over non-Bad samples only."""

    tag: str
    t: int  # interval start, µs
    mean: float | None
    min: float | None
    max: float | None
    last: float | None
    count: int  # non-Bad samples in the interval


def numeric(value: Scalar) -> float | None:
    """The value as a number for aggregation (bool → 0/1); None for text or missing values."""
    if value is None or isinstance(value, str):
        return None
    return float(value)
