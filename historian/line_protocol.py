"""InfluxDB line protocol for historian rows and rollups (microsecond precision).

Raw rows go to measurement ``v`` with tag ``point`` and fields ``value`` (numbers and booleans as
float), ``text`` (string values), ``q`` (quality) and ``st`` (server time, µs). Series + timestamp
is the row's identity, so a replay overwrites instead of duplicating.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from historian.rows import Bucket, Row

RAW_MEASUREMENT = "v"
ROLLUP_MEASUREMENT = "agg"

_INFINITIES = (math.inf, -math.inf)
_TAG_ESCAPES = str.maketrans({",": r"\,", " ": r"\ ", "=": r"\="})


def _tag(text: str) -> str:
    return text.translate(_TAG_ESCAPES)


def _string_field(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value_field(value: object) -> str:
    if isinstance(value, str):
        return "text=" + _string_field(value) + ","
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""  # InfluxDB has no NaN/inf; the quality field still records the sample
    return f"value={float(value)!r},"  # type: ignore[arg-type]


_prefixes: dict[str, str] = {}  # tag → "v,point=<escaped tag> " (tags are few, rows many)


def _prefix(tag: str) -> str:
    found = _prefixes.get(tag)
    if found is None:
        found = _prefixes[tag] = f"{RAW_MEASUREMENT},point={_tag(tag)} "
    return found


def encode_rows(rows: Iterable[Row]) -> bytes:
    """Line protocol for raw rows; the float case (nearly every row) is formatted inline."""
    prefixes, prefix = _prefixes, _prefix
    lines = []
    append = lines.append
    for tag, t, value, quality, server_t in rows:
        head = prefixes.get(tag) or prefix(tag)
        if value.__class__ is float and value == value and value not in _INFINITIES:
            append(f"{head}value={value!r},q={quality}i,st={server_t}i {t}")
        else:
            append(f"{head}{_value_field(value)}q={quality}i,st={server_t}i {t}")
    return "\n".join(lines).encode()


def encode_buckets(buckets: Iterable[Bucket]) -> bytes:
    """Rollup rows: ``sum`` (not mean) so a coarser tier can weight by count exactly."""
    lines = []
    for b in buckets:
        fields = [f"{name}={float(v)!r}" for name, v in (("min", b.min), ("max", b.max), ("last", b.last)) if v is not None]
        if b.mean is not None:
            fields.append(f"sum={b.mean * b.count!r}")
        fields.append(f"n={b.count}i")
        lines.append(f"{ROLLUP_MEASUREMENT},point={_tag(b.tag)} {','.join(fields)} {b.t}")
    return ("\n".join(lines)).encode()
