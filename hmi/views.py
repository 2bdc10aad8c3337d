"""Formatting shared by the screens: values with units, quality classes, level fill, live-data payloads.

The live payload a page's poll returns (applied in the browser by ``assets/hmi.js``)::

    {"t": server time, "v": {tag: [text, quality class, fill %]}, "a": {source: [priority, acked]},
     "k": {key: [text or null, css class or null]}, "img": {key: url}}

A point out of service (an approved 停用报备 declaration, ``Snapshot.out_of_service``) carries the class
``oos`` beside its quality class: its value box and level fill are drawn as out of service 停用;
the overview and enterprise screens count such points per enterprise, hazard source and device.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from hmi.i18n import tr
from hmi.live import Snapshot
from scada.config import Plant
from scada.config.plant import PointRef
from tags import TagValue, is_bad, is_good

PRIORITY_SHAPE = {"critical": "◆", "high": "▲", "medium": "■", "low": "●"}  # ISA-101: shape and colour, never colour alone
COLOUR_OF_PRIORITY = {"critical": "red", "high": "orange", "medium": "yellow", "low": "blue"}


def quality_class(v: TagValue) -> str:
    if is_good(v.quality):
        return "q-good"
    return "q-bad" if is_bad(v.quality) else "q-uncertain"


def fmt_value(v: TagValue, unit: str = "") -> str:
    x = v.value
    if x is None:
        return "—"
    if isinstance(x, bool):
        text = "1" if x else "0"
    elif isinstance(x, float):
        text = "NaN" if math.isnan(x) else f"{x:.2f}" if abs(x) < 1000 else f"{x:.0f}"
    else:
        text = str(x)
    return f"{text} {unit}".strip()


def fill_pct(v: TagValue, ref: PointRef) -> float | None:
    if not isinstance(v.value, int | float) or isinstance(v.value, bool) or math.isnan(v.value):
        return None
    lo, hi = ref.point.range
    if hi <= lo:
        return None
    return round(max(0.0, min(100.0, (float(v.value) - lo) / (hi - lo) * 100.0)), 1)


def point_class(snap: Snapshot, tag: str, v: TagValue) -> str:
    """The quality class, and ``oos`` while the point is out of service."""
    return f"{quality_class(v)} oos" if tag in snap.out_of_service else quality_class(v)


def values_payload(snap: Snapshot, plant: Plant, tags: Iterable[str]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {}
    refs = plant.point_by_tag
    for tag in tags:
        v = snap.values.get(tag)
        if v is None:
            continue
        ref = refs.get(tag)
        out[tag] = [fmt_value(v, ref.point.unit if ref else ""), point_class(snap, tag, v), fill_pct(v, ref) if ref else None]
    return out


def alarms_payload(snap: Snapshot, sources: Iterable[str]) -> dict[str, list[Any]]:
    worst = snap.worst_by_source
    return {s: [worst[s][0], worst[s][1]] for s in sources if s in worst}


AXIS = {"gridcolor": "#d0d0d0", "linecolor": "#8c8c8c", "zerolinecolor": "#b0b0b0"}


def figure(data: list[dict[str, Any]], layout: dict[str, Any]) -> dict[str, Any]:
    """A plotly figure in the screens' plain style, as plain data. Not plotly.graph_objects: validating a figure
    of a thousand points there costs tens of ms per request. No plotly template: its defaults (automargin) make
    the browser lay a graph out twice — a quarter to a third of drawing a trend."""
    axes = {k: {**AXIS, **layout.get(k, {})} for k in ("xaxis", "yaxis")}
    return {"data": data, "layout": {"paper_bgcolor": "#e6e6e6", "plot_bgcolor": "#f2f2f2", **layout, **axes}}


def enterprise_name(plant: Plant, code: str) -> str:
    try:
        return plant.enterprise(code).enterprise.name
    except KeyError:
        return code


def out_of_service_counts(snap: Snapshot, plant: Plant, group: Callable[[PointRef], str]) -> dict[str, int]:
    """How many points are out of service (an approved 停用报备 declaration) per ``group(point)``:
    per enterprise on the overview, per hazard source and per device on the enterprise screen."""
    counts: dict[str, int] = {}
    refs = plant.point_by_tag
    for tag in snap.out_of_service:
        ref = refs.get(tag)
        if ref is not None:
            key = group(ref)
            counts[key] = counts.get(key, 0) + 1
    return counts


def out_of_service_text(n: int) -> list[Any]:
    """A live key's [text, class]: "停用 3" while points are out of service, nothing otherwise."""
    return [f"{tr('oos')} {n}", "oos-count"] if n else ["", "hidden"]
