"""Edits of the configuration, as data (JSON-able operations), applied to the tree's YAML texts.

``{"op": "point", "tag": "E01.T101.LT", "set": {"thresholds.high_high": 18.0, "deadband": 0.1}}`` edits one
point: in its own ``points:`` entry when the equipment lists it, else as an ``overrides:`` entry of the
equipment (a template's values are shared by every equipment using it and stay untouched).
``{"op": "alarms", "path": ["texts", "limit", "message"], "value": "…"}`` edits ``alarms.yaml`` (texts, rules).
Only the edited spans change (``yamltext``); the result is validated by the caller before anything is written.
"""

from __future__ import annotations

from typing import Any

import yaml

from engineering.tree import Files
from engineering.yamltext import EditError, set_in
from rules.config import ALARMS_FILE
from scada.config import Plant

# Editable point fields → their key path inside a point (``instrument`` is the P&ID tag 位号, ``tag`` in YAML).
POINT_FIELDS: dict[str, tuple[str, ...]] = {
    "name": ("name",),
    "instrument": ("tag",),
    "kind": ("kind",),
    "unit": ("unit",),
    "range": ("range",),
    "thresholds.low_low": ("thresholds", "low_low"),
    "thresholds.low": ("thresholds", "low"),
    "thresholds.high": ("thresholds", "high"),
    "thresholds.high_high": ("thresholds", "high_high"),
    "deadband": ("deadband",),
    "on_delay_s": ("on_delay_s",),
    "off_delay_s": ("off_delay_s",),
    "scan_class": ("scan_class",),
    "gas": ("gas",),
    "out_of_range_quality": ("out_of_range_quality",),
}
Op = dict[str, Any]


def enterprise_file(files: Files, code: str) -> str:
    for rel, text in files.items():
        if rel.startswith("enterprises/"):
            doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
            if isinstance(doc, dict) and isinstance(doc.get("enterprise"), dict) and doc["enterprise"].get("code") == code:
                return rel
    raise EditError(f"no enterprise file for {code!r}")


def point_location(files: Files, plant: Plant, tag: str) -> tuple[str, list[str | int]]:
    """(file, key path of the point's own entry or of its override) for a point of ``plant``."""
    ref = plant.point_by_tag.get(tag)
    if ref is None:
        raise EditError(f"unknown point {tag!r}")
    rel = enterprise_file(files, ref.enterprise.code)
    doc = yaml.load(files[rel], Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    hs_i = next(i for i, h in enumerate(doc["hazard_sources"]) if h.get("code") == ref.hazard_source.code)
    equipment = doc["hazard_sources"][hs_i]["equipment"]
    eq_i = next(i for i, e in enumerate(equipment) if e.get("code") == ref.equipment.code)
    raw = equipment[eq_i]
    base: list[str | int] = ["hazard_sources", hs_i, "equipment", eq_i]
    own = [p.get("key") for p in raw.get("points") or []]
    if ref.point.key in own:
        return rel, [*base, "points", own.index(ref.point.key)]
    return rel, [*base, "overrides", ref.point.key]  # a template's point


def apply_ops(files: Files, plant: Plant, ops: list[Op]) -> Files:
    """The tree's texts after ``ops``; raises ``EditError`` for an operation that cannot be placed."""
    out = dict(files)
    for op in ops:
        kind = op.get("op")
        if kind == "point":
            changes = op.get("set") or {}
            if not isinstance(changes, dict) or not changes:
                raise EditError("a point edit needs 'set': {field: value}")
            rel, base = point_location(out, plant, str(op.get("tag")))
            for field, value in changes.items():
                if field not in POINT_FIELDS:
                    raise EditError(f"{field!r} cannot be edited here (editable: {', '.join(POINT_FIELDS)})")
                out[rel] = set_in(out[rel], [*base, *POINT_FIELDS[field]], value)
        elif kind == "alarms":
            path = op.get("path")
            if not isinstance(path, list) or not path:
                raise EditError("an alarms edit needs 'path': [key, …]")
            out[ALARMS_FILE] = set_in(out.get(ALARMS_FILE, "{}\n"), path, op.get("value"))
        else:
            raise EditError(f"unknown operation {kind!r} (point, alarms)")
    return out


def touched_enterprises(before: Files, after: Files) -> set[str]:
    """Enterprise codes whose file changed; ``"*"`` when a shared file (site, templates, alarms…) changed."""
    out: set[str] = set()
    for rel in set(before) | set(after):
        if before.get(rel) == after.get(rel):
            continue
        text = after.get(rel) or before.get(rel) or ""
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) if rel.startswith("enterprises/") else None
        ent = doc.get("enterprise") if isinstance(doc, dict) else None
        out.add(str(ent.get("code")) if isinstance(ent, dict) and ent.get("code") else "*")
    return out
