"""Change one value in a hand-written YAML text without disturbing anything else.

The located parse (PyYAML nodes with their marks) gives the exact character span of the value;
only that span is replaced, so comments, flow or block style, key order and spacing stay as the
engineer wrote them. A key that does not exist yet is added to its mapping in that mapping's style.
"""

from __future__ import annotations

from typing import Any

import yaml

Path_ = list[str | int]


class EditError(ValueError):
    """The path does not lead to a value in this text (a list index past the end, a scalar on the way)."""


def render(value: Any) -> str:
    """One value as flow-style YAML on one line (numbers, strings, lists, nested mappings)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=1 << 20, sort_keys=False).strip()
    return text.removesuffix("\n...").removesuffix("...").strip()


def _nest(path: Path_, value: Any) -> Any:
    for key in reversed(path):
        value = {key: value}
    return value


def _child(node: yaml.Node, key: str | int) -> yaml.Node | None:
    if isinstance(key, int):
        if not isinstance(node, yaml.SequenceNode) or key >= len(node.value):
            raise EditError(f"no item {key}")
        return node.value[key]
    if not isinstance(node, yaml.MappingNode):
        raise EditError(f"{key!r}: not inside a mapping")
    return next((v for k, v in node.value if k.value == key), None)


def set_in(text: str, path: Path_, value: Any) -> str:
    """``text`` with the value at ``path`` (keys and list indexes) set to ``value``."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    if root is None:
        raise EditError("empty document")
    node = root
    for i, key in enumerate(path):
        child = _child(node, key)
        if child is None:
            return _insert(text, node, str(key), _nest(path[i + 1 :], value))
        node = child
    return text[: node.start_mark.index] + render(value) + text[node.end_mark.index :]


def _insert(text: str, mapping: yaml.MappingNode, key: str, value: Any) -> str:
    item = f"{render({key: value})[1:-1]}"  # "key: value" in flow style
    if mapping.flow_style or not mapping.value:
        if not mapping.value:
            at = mapping.end_mark.index - 1  # before the closing brace
            return text[:at] + item + text[at:]
        at = mapping.value[-1][1].end_mark.index
        return text[:at] + ", " + item + text[at:]
    indent = mapping.value[0][0].start_mark.column
    at = mapping.value[-1][1].end_mark.index
    if at == 0 or text[at - 1] != "\n":
        nl = text.find("\n", at)
        at = len(text) if nl < 0 else nl + 1
    prefix = "" if at == 0 or text[at - 1] == "\n" else "\n"
    return text[:at] + prefix + " " * indent + item + "\n" + text[at:]
