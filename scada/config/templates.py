"""Equipment templates: expand a template's points into an equipment, with per-instance overrides.

Works on the raw located mappings, before schema validation, so that every expanded field keeps
the location it was written at: a limit that comes from the template is reported in the template
file, one that an override changed is reported at the override.

In template strings ``{ent}``, ``{hs}`` and ``{eq}`` become the enterprise, hazard-source and
equipment codes; a Modbus ``source.address`` is relative to the equipment's ``address_base``.
"""

from __future__ import annotations

from typing import Any

from scada.config.errors import ConfigIssue
from scada.config.yaml_source import LocDict, LocList, loc_dict, loc_list


def _copy(value: Any, names: dict[str, str]) -> Any:
    """Deep copy that keeps locations and fills the placeholders in strings."""
    if isinstance(value, LocDict):
        return loc_dict(value.where, {k: _copy(v, names) for k, v in value.items()}, value.key_where)
    if isinstance(value, LocList):
        return loc_list(value.where, [_copy(v, names) for v in value], value.item_where)
    if isinstance(value, str) and "{" in value:
        for placeholder, code in names.items():
            value = value.replace(placeholder, code)
    return value


def _merge(target: LocDict, override: LocDict) -> None:
    """Deep-merge ``override`` into ``target``; replaced values take the override's location."""
    for key, value in override.items():
        current = target.get(key)
        if isinstance(current, LocDict) and isinstance(value, LocDict):
            _merge(current, value)
        else:
            target[key] = value
            target.key_where[key] = override.key_where[key]


MODBUS_SOURCE_KEYS = ("table", "address", "type", "byte_order", "word_order", "scale")


def _resolve_source(point: LocDict, protocol: str | None, base: int, default_node: str) -> None:
    """Keep the source fields of the device's protocol; offset Modbus addresses by ``address_base``."""
    source = point.get("source")
    if not isinstance(source, LocDict):
        return
    if protocol == "opcua":
        for key in MODBUS_SOURCE_KEYS:
            source.pop(key, None)
        if "node" not in source:
            source["node"] = default_node
            source.key_where["node"] = source.where.child("node")
        return
    source.pop("node", None)
    if base and isinstance(source.get("address"), int):
        source["address"] = source["address"] + base


def expand_equipment(
    raw_eq: Any,
    templates: dict[str, LocDict],
    codes: dict[str, str],
    protocols: dict[str, str],
    issues: list[ConfigIssue],
) -> bool:
    """Replace ``raw_eq['points']`` by the template's points (overridden) followed by its own points.

    Returns False when the template does not exist (reported; the equipment cannot be checked further).
    """
    if not isinstance(raw_eq, LocDict) or "template" not in raw_eq:
        return True
    name = raw_eq["template"]
    template = templates.get(name) if isinstance(name, str) else None
    if template is None:
        known = ", ".join(sorted(templates)) or "none defined"
        issues.append(ConfigIssue(raw_eq.key_where["template"], f"unknown template {name!r} (known: {known})"))
        return False
    names = {"{ent}": codes["ent"], "{hs}": codes["hs"], "{eq}": str(raw_eq.get("code", ""))}
    base = raw_eq.get("address_base", 0)
    base = base if isinstance(base, int) else 0
    protocol = protocols.get(str(raw_eq.get("device")))
    raw_points = template.get("points")
    expanded = loc_list(raw_eq.where.child("points"))
    by_key: dict[Any, LocDict] = {}
    for item in raw_points if isinstance(raw_points, LocList) else []:
        point = _copy(item, names)
        if isinstance(point, LocDict):
            node = f"ns=2;s={codes['ent']}.{names['{eq}']}.{point.get('key')}"
            _resolve_source(point, protocol, base, node)
            by_key[point.get("key")] = point
        expanded.append(point)
        expanded.item_where.append(item.where if isinstance(item, LocDict) else expanded.where)
    overrides = raw_eq.get("overrides")
    if isinstance(overrides, LocDict):
        for key, override in overrides.items():
            if key not in by_key:
                known = ", ".join(str(k) for k in by_key)
                issues.append(ConfigIssue(overrides.key_where[key], f"template {name!r} has no point {key!r} (its points: {known})"))
            elif isinstance(override, LocDict):
                _merge(by_key[key], _copy(override, names))
    own = raw_eq.get("points")
    if isinstance(own, LocList):
        expanded.extend(own)
        expanded.item_where.extend(own.item_where)
    raw_eq["points"] = expanded
    raw_eq.key_where.setdefault("points", expanded.where)
    if "kind" not in raw_eq and isinstance(template.get("kind"), str):
        raw_eq["kind"] = template["kind"]
        raw_eq.key_where["kind"] = template.key_where["kind"]
    return True
