"""InfluxDB line protocol for historian rows and rollups (microsecond precision).

Raw rows go to measurement ``v`` with tag ``point`` and fields ``value`` (numbers and booleans as
float), ``text`` (string values), ``q`` (quality, only when not GOOD) and ``st`` (server time, µs);
a Bad row keeps its number in ``bad`` instead of ``value``, so aggregates over ``value`` leave it
out without a condition on ``q`` (InfluxQL cannot test a field for absence). Series + timestamp is
the row's identity, so a replay overwrites instead of duplicating.
Why ``q`` only when not GOOD: influxd's cost grows with the fields of a row (bench/influx_rows.py,
220,000 series, 15,000 rows/s: 20–25 µs of influxd CPU per row with value, q and st; 15 µs with
value and st), and nearly every row is GOOD.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from historian.backend import BAD_BIT
from historian.rows import Bucket, Row
from tags import Quality

RAW_MEASUREMENT = "v"
GOOD = int(Quality.GOOD)  # the quality of a row without ``q``
ROLLUP_MEASUREMENT = "agg"

_INFINITIES = (math.inf, -math.inf)
_TAG_ESCAPES = str.maketrans({",": r"\,", " ": r"\ ", "=": r"\="})


def _tag(text: str) -> str:
    return text.translate(_TAG_ESCAPES)


def _string_field(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _fields(value: object, quality: int) -> str:
    """Every field but ``st``, each followed by a comma."""
    q = f"q={quality}i," if quality != GOOD else ""
    if isinstance(value, str):
        return "text=" + _string_field(value) + "," + q
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return q  # InfluxDB has no NaN/inf; the other fields still record the sample
    return f"{'bad' if quality & BAD_BIT else 'value'}={float(value)!r}," + q  # type: ignore[arg-type]


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
        if value.__class__ is float and value == value and value not in _INFINITIES and quality == GOOD:
            append(f"{head}value={value!r},st={server_t}i {t}")
        else:
            append(f"{head}{_fields(value, quality)}st={server_t}i {t}")
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
