"""Load YAML into dicts and lists that remember where every value was written.

``LocDict`` and ``LocList`` behave as ``dict``/``list`` (pydantic validates them directly) and
carry a ``Where`` for themselves and for each key or item, so any error found later — by the
schema or by a cross-check — can name the file, line and field path.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from scada.config.errors import ConfigIssue
from scada.config.where import Where

# libyaml's parser is ~10× faster than PyYAML's pure-Python one (a 20,000-point file: 29 s → ~2 s).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class LocDict(dict):
    """A mapping with ``where`` (its own location) and ``key_where`` (each key's value)."""

    where: Where
    key_where: dict[Any, Where]


class LocList(list):
    """A sequence with ``where`` and ``item_where`` (one per item)."""

    where: Where
    item_where: list[Where]


def loc_dict(where: Where, items: dict[Any, Any] | None = None, key_where: dict[Any, Where] | None = None) -> LocDict:
    d = LocDict(items or {})
    d.where = where
    d.key_where = dict(key_where or {})
    return d


def loc_list(where: Where, items: list[Any] | None = None, item_where: list[Where] | None = None) -> LocList:
    seq = LocList(items or [])
    seq.where = where
    seq.item_where = list(item_where or [])
    return seq


class _Builder:
    """Turns a composed YAML node tree into Loc containers, reporting duplicate keys."""

    def __init__(self, file: str, issues: list[ConfigIssue]) -> None:
        self.file = file
        self.issues = issues
        self.constructor = yaml.SafeLoader("")  # scalar resolution exactly as safe_load does

    def build(self, node: yaml.Node, where: Where) -> Any:
        if isinstance(node, yaml.MappingNode):
            out = loc_dict(where)
            for key_node, value_node in node.value:
                key = self.build(key_node, where)
                key_where = where.child(str(key), key_node.start_mark.line + 1)
                if key in out:
                    first = out.key_where[key].line
                    self.issues.append(ConfigIssue(key_where, f"duplicate key (first written on line {first})"))
                    continue
                out[key] = self.build(value_node, key_where)
                out.key_where[key] = key_where
            return out
        if isinstance(node, yaml.SequenceNode):
            out_list = loc_list(where)
            for i, item in enumerate(node.value):
                item_where = where.child(i, item.start_mark.line + 1)
                out_list.append(self.build(item, item_where))
                out_list.item_where.append(item_where)
            return out_list
        return self.constructor.construct_object(node, deep=True)


def load_yaml(path: Path, display_name: str, issues: list[ConfigIssue]) -> Any:
    """Parse one file; syntax errors and duplicate keys go to ``issues`` (None is returned on syntax errors)."""
    root = Where(display_name, 1, "")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        issues.append(ConfigIssue(root, f"cannot read file: {exc}"))
        return None
    try:
        node = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError:
        issues.append(_syntax_issue(text, display_name))
        return None
    if node is None:
        return loc_dict(root)
    return _Builder(display_name, issues).build(node, root)


def _syntax_issue(text: str, display_name: str) -> ConfigIssue:
    """Re-parse a broken file with PyYAML's own parser, whose messages say more than libyaml's."""
    try:
        yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = exc.problem or exc.context or "invalid YAML"
        return ConfigIssue(Where(display_name, line, ""), f"YAML syntax error: {problem}")
    return ConfigIssue(Where(display_name, 1, ""), "YAML syntax error")
