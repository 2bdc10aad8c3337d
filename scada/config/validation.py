"""Schema validation that reports with locations, one element at a time.

Each element (a device, a hazard source, a piece of equipment, a point) is validated on its own,
so one bad point does not hide the errors of its siblings, and the valid rest can still be
cross-checked. Pydantic's error locations are mapped back to file, line and field path.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from pydantic import ValidationError

from scada.config.errors import ConfigIssue
from scada.config.schema import Model
from scada.config.where import Where
from scada.config.yaml_source import LocDict, LocList

M = TypeVar("M", bound=Model)


def where_in(raw: Any, loc: Sequence[str | int], fallback: Where) -> Where:
    """The location of ``loc`` inside ``raw``: the deepest element that exists, plus the rest of the path."""
    where = getattr(raw, "where", fallback)
    node = raw
    missing: list[str | int] = []
    for key in loc:
        if missing:
            missing.append(key)
        elif isinstance(node, LocDict) and key in node:
            where, node = node.key_where[key], node[key]
        elif isinstance(node, LocList) and isinstance(key, int) and 0 <= key < len(node):
            where, node = node.item_where[key], node[key]
        elif isinstance(key, str) and key in ("modbus", "opcua", "modbus_tcp"):
            continue  # a union's tag in pydantic's location, not a key of the document
        else:
            missing.append(key)
    for key in missing:
        where = where.child(key)
    return where


def _message(error: dict[str, Any]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key"
    if kind == "missing":
        return "required field is missing"
    text = error["msg"]
    if "input" in error and kind not in ("model_type", "dict_type", "list_type") and not isinstance(error["input"], dict | list):
        text += f" (got {error['input']!r})"
    return text


def issues_from(exc: ValidationError, raw: Any, fallback: Where) -> list[ConfigIssue]:
    return [ConfigIssue(where_in(raw, err["loc"], fallback), _message(err)) for err in exc.errors()]


def attach_raw(model: Model, raw: Any) -> None:
    """Remember on every nested model the raw mapping it was built from (for later error locations)."""
    model._raw = raw
    if not isinstance(raw, dict):
        return
    for name in type(model).model_fields:
        value, sub = getattr(model, name), raw.get(name)
        if isinstance(value, Model):
            attach_raw(value, sub)
        elif isinstance(value, list | tuple) and isinstance(sub, list):
            for item, item_raw in zip(value, sub, strict=False):
                if isinstance(item, Model):
                    attach_raw(item, item_raw)
        elif isinstance(value, dict) and isinstance(sub, dict):
            for k, item in value.items():
                if isinstance(item, Model):
                    attach_raw(item, sub.get(k))


def validate(cls: type[M], raw: Any, issues: list[ConfigIssue], fallback: Where, nested: tuple[str, ...] = ()) -> M | None:
    """Validate ``raw`` as ``cls``, leaving out the ``nested`` list fields (validated by the caller).

    Returns None, and adds issues, when invalid.
    """
    if not isinstance(raw, dict):
        where = getattr(raw, "where", fallback)
        issues.append(ConfigIssue(where, f"expected a mapping of fields, got {type(raw).__name__}"))
        return None
    shallow = raw
    if nested:
        shallow = LocDict({k: v for k, v in raw.items() if k not in nested})
        shallow.where, shallow.key_where = raw.where, raw.key_where
        for name in nested:
            if name in raw and not isinstance(raw[name], list):
                issues.append(ConfigIssue(raw.key_where[name], "must be a list"))
                return None
    try:
        model = cls.model_validate(shallow)
    except ValidationError as exc:
        issues.extend(issues_from(exc, raw, fallback))
        return None
    attach_raw(model, shallow)
    model._raw = raw
    return model


def validate_items(
    cls: type[M], raw_list: Any, issues: list[ConfigIssue], fallback: Where, nested: tuple[str, ...] = ()
) -> list[tuple[M, Any]]:
    """Validate each item of a list; returns the valid ones with their raw mappings."""
    if raw_list is None:
        return []
    if not isinstance(raw_list, LocList):
        issues.append(ConfigIssue(getattr(raw_list, "where", fallback), "must be a list"))
        return []
    out = []
    for raw, where in zip(raw_list, raw_list.item_where, strict=False):
        model = validate(cls, raw, issues, where, nested)
        if model is not None:
            out.append((model, raw))
    return out
