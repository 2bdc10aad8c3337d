"""Browse an OPC UA server and write point configuration for an engineer to edit.

Every variable below the Objects folder (the server's own diagnostics excluded) becomes a point;
its parent object becomes an equipment. What the server cannot tell — kind, unit, instrument
range, limits — is written as a visible placeholder (kind ``other``, range from the current
value) that ``scada check-config`` accepts and the engineer then corrects.
"""

from __future__ import annotations

import re
from typing import Any

import yaml
from asyncua import Client, Node, ua

NUMERIC = {
    ua.VariantType.Double,
    ua.VariantType.Float,
    ua.VariantType.Int16,
    ua.VariantType.Int32,
    ua.VariantType.Int64,
    ua.VariantType.UInt16,
    ua.VariantType.UInt32,
    ua.VariantType.UInt64,
    ua.VariantType.Byte,
    ua.VariantType.SByte,
    ua.VariantType.Boolean,
}
SERVER_NODE = ua.NodeId(ua.ObjectIds.Server)


def _code(text: str) -> str:
    code = re.sub(r"[^A-Za-z0-9_\-]", "_", text).strip("_-") or "X"
    return code if code[0].isalnum() else f"X{code}"


async def _variables(node: Node, path: list[str], out: list[tuple[list[str], Node]], depth: int) -> None:
    for child in await node.get_children():
        if child.nodeid == SERVER_NODE or depth > 6:
            continue
        node_class = await child.read_node_class()
        name = (await child.read_browse_name()).Name
        if node_class == ua.NodeClass.Variable:
            out.append((path, child))
        elif node_class == ua.NodeClass.Object:
            await _variables(child, [*path, name], out, depth + 1)


async def browse(endpoint: str, device: str, timeout_s: float = 10.0) -> list[dict[str, Any]]:
    """Equipment entries (with points) for every numeric variable the server exposes."""
    client = Client(endpoint, timeout=timeout_s)
    async with client:
        found: list[tuple[list[str], Node]] = []
        await _variables(client.nodes.objects, [], found, 0)
        equipment: dict[str, dict[str, Any]] = {}
        for path, node in found:
            data = await node.read_data_value(raise_on_bad_status=False)
            variant = data.Value
            if variant is None or variant.VariantType not in NUMERIC:
                continue
            value = float(variant.Value) if variant.Value is not None else 0.0
            name = (await node.read_browse_name()).Name
            eq_code = _code(path[-1] if path else "ROOT")
            eq = equipment.setdefault(
                eq_code, {"code": eq_code, "name": "/".join(path) or "Objects", "kind": "other", "device": device, "points": []}
            )
            span = max(abs(value) * 2, 100.0)
            eq["points"].append(
                {
                    "key": _code(name),
                    "name": name,
                    "tag": f"{eq_code}-{_code(name)}",
                    "kind": "other",
                    "unit": "",
                    "range": [0.0 if value >= 0 else -span, span],
                    "source": {"node": node.nodeid.to_string()},
                }
            )
        return list(equipment.values())


def render(equipment: list[dict[str, Any]], endpoint: str) -> str:
    header = (
        f"# Imported from {endpoint}. Check every point: kind, unit, range and thresholds are placeholders\n"
        "# the server does not provide. Paste the equipment under a hazard source of the enterprise file.\n"
    )
    return header + yaml.safe_dump({"equipment": equipment}, allow_unicode=True, sort_keys=False, width=140)
