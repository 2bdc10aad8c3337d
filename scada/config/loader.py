"""Load a configuration tree — all of it, or nothing.

Layout of a tree (``config/`` by default)::

    site.yaml              city, districts, parks, scan classes
    templates/*.yaml       equipment templates
    enterprises/*.yaml     one file per enterprise: devices, hazard sources, equipment, points

``load_plant`` returns a complete, valid ``Plant`` or raises ``ConfigError`` listing every
problem found in the whole tree; a caller that keeps its previous ``Plant`` on error therefore
never runs on a half-loaded configuration.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from scada.config.checks import Checker
from scada.config.errors import ConfigError, ConfigIssue
from scada.config.plant import Plant
from scada.config.schema import (
    Device,
    Enterprise,
    EnterpriseFile,
    Equipment,
    HazardSource,
    Model,
    Point,
    SiteFile,
    Template,
    TemplatePoint,
)
from scada.config.templates import expand_equipment
from scada.config.validation import validate, validate_items
from scada.config.where import Where
from scada.config.yaml_source import LocDict, load_yaml, loc_dict, loc_list

SITE_FILE = "site.yaml"
ENTERPRISE_KEYS = set(EnterpriseFile.model_fields)
TEMPLATE_FILE_KEYS = {"templates"}


def display_path(path: Path) -> str:
    """Paths in messages are relative to the working directory when possible (as the user typed them)."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _unknown_keys(raw: Any, allowed: set[str], issues: list[ConfigIssue]) -> None:
    if isinstance(raw, LocDict):
        for key in raw:
            if key not in allowed:
                issues.append(ConfigIssue(raw.key_where[key], f"unknown key (allowed here: {', '.join(sorted(allowed))})"))


class _TreeLoader:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.issues: list[ConfigIssue] = []
        self.files: list[Path] = []

    def read(self, path: Path) -> Any:
        self.files.append(path)
        raw = load_yaml(path, display_path(path), self.issues)
        if raw is not None and not isinstance(raw, LocDict):
            self.issues.append(ConfigIssue(Where(display_path(path), 1, ""), "the file must be a mapping of keys at the top level"))
            return None
        return raw

    def load(self) -> Plant:
        if not self.root.is_dir():
            raise ConfigError([ConfigIssue(Where(str(self.root), 0, ""), "configuration folder not found")])
        site_path = self.root / SITE_FILE
        if not site_path.is_file():
            raise ConfigError([ConfigIssue(Where(display_path(site_path), 0, ""), f"missing: every configuration tree needs {SITE_FILE}")])
        site_raw = self.read(site_path)
        site = validate(SiteFile, site_raw, self.issues, Where(display_path(site_path), 1, "")) if site_raw is not None else None
        templates, template_raws = self.load_templates()
        enterprises = [e for e in (self.load_enterprise(p, template_raws) for p in sorted((self.root / "enterprises").glob("*.yaml"))) if e]
        if site is not None:
            checker = Checker(site)
            checker.check_site()
            checker.check_enterprises(enterprises)
            self.issues.extend(checker.issues)
        if self.issues or site is None:
            raise ConfigError(self.issues)
        digest = hashlib.sha256()
        for path in self.files:
            digest.update(path.read_bytes())
        return Plant(site, templates, tuple(enterprises), tuple(display_path(p) for p in self.files), digest.hexdigest())

    def load_templates(self) -> tuple[dict[str, Template], dict[str, LocDict]]:
        models: dict[str, Template] = {}
        raws: dict[str, LocDict] = {}
        for path in sorted((self.root / "templates").glob("*.yaml")):
            raw = self.read(path)
            if raw is None:
                continue
            _unknown_keys(raw, TEMPLATE_FILE_KEYS, self.issues)
            section = raw.get("templates")
            if not isinstance(section, LocDict):
                self.issues.append(ConfigIssue(raw.where.child("templates"), "must be a mapping of template name to template"))
                continue
            for name, traw in section.items():
                where = section.key_where[name]
                if name in raws:
                    first = raws[name].where
                    self.issues.append(ConfigIssue(where, f"duplicate template {name!r} (first defined at {first.file}:{first.line})"))
                    continue
                model = validate(Template, traw, self.issues, where, nested=("points",))
                points = validate_items(TemplatePoint, traw.get("points") if isinstance(traw, dict) else None, self.issues, where)
                if isinstance(traw, LocDict):
                    raws[name] = traw
                    if not traw.get("points"):
                        self.issues.append(ConfigIssue(traw.where.child("points"), "a template needs at least one point"))
                if model is not None:
                    models[name] = model.model_copy(update={"points": [p for p, _ in points]})
        return models, raws

    def load_enterprise(self, path: Path, templates: dict[str, LocDict]) -> EnterpriseFile | None:
        raw = self.read(path)
        if raw is None:
            return None
        issues = self.issues
        root = raw.where
        _unknown_keys(raw, ENTERPRISE_KEYS, issues)
        enterprise = validate(Enterprise, raw.get("enterprise"), issues, root.child("enterprise"))
        if "enterprise" not in raw:
            issues.append(ConfigIssue(root.child("enterprise"), "required section is missing"))
        devices = [d for d, _ in validate_items(_DeviceHolder, _wrap_devices(raw.get("devices")), issues, root.child("devices"))]
        ent_code = enterprise.code if enterprise else ""
        protocols = {str(d.get("id")): str(d.get("protocol")) for d in raw.get("devices") or [] if isinstance(d, dict)}
        sources = []
        for hs, hs_raw in validate_items(
            HazardSource, raw.get("hazard_sources"), issues, root.child("hazard_sources"), nested=("equipment",)
        ):
            equipment = []
            for eq_raw, eq_where in zip(hs_raw.get("equipment") or [], getattr(hs_raw.get("equipment"), "item_where", []), strict=False):
                if not expand_equipment(eq_raw, templates, {"ent": ent_code, "hs": hs.code}, protocols, issues):
                    continue
                eq = validate(Equipment, eq_raw, issues, eq_where, nested=("points",))
                points = [p for p, _ in validate_items(Point, eq_raw.get("points") if isinstance(eq_raw, dict) else None, issues, eq_where)]
                if eq is not None:
                    equipment.append(eq.model_copy(update={"points": points}))
            sources.append(hs.model_copy(update={"equipment": equipment}))
        if enterprise is None:  # without its header nothing in the file can be cross-checked
            return None
        model = EnterpriseFile.model_construct(enterprise=enterprise, devices=[d.device for d in devices], hazard_sources=sources)
        model._raw = raw
        return model


# Devices are a discriminated union; validating each one through a one-field holder model keeps
# the per-item path (devices[2].port) while pydantic picks the right model by ``protocol``.
class _DeviceHolder(Model):
    device: Device


def _wrap_devices(raw: Any) -> Any:
    if not isinstance(raw, list):
        return raw
    wrapped = loc_list(raw.where)
    for item, where in zip(raw, raw.item_where, strict=False):
        wrapped.append(loc_dict(where, {"device": item}, {"device": where}))
        wrapped.item_where.append(where)
    return wrapped


def load_plant(root: str | Path) -> Plant:
    """Load and validate the tree at ``root``; raise ``ConfigError`` with every problem found."""
    return _TreeLoader(Path(root)).load()
