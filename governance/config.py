"""``governance.yaml``: commitment deadline and reminders, maintenance notice lead time, the city
offices of the account flow, and the monthly report schedule. Optional: defaults apply without it.

Loaded with the located-YAML machinery, so every error names file, line and field.
"""

# ruff: noqa: RUF012  (pydantic copies mutable field defaults)
from __future__ import annotations

import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator

from scada.config import ConfigError, ConfigIssue, Plant
from scada.config.schema import Model
from scada.config.validation import validate, where_in
from scada.config.where import Where
from scada.config.yaml_source import load_yaml

GOVERNANCE_FILE = "governance.yaml"
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _hhmm(value: str) -> str:
    if not HHMM.match(value):
        raise ValueError(f"write a time of day as HH:MM (24 h, Beijing time), not {value!r}")
    return value


def clock_time(value: str) -> time:
    h, m = value.split(":")
    return time(int(h), int(m))


class Commitment(Model):
    deadline: str = "10:00"  # art. 12: filed before 10:00 every day
    reminders: list[str] = ["09:00", "09:30"]  # reminders to enterprises that have not filed yet

    _check = field_validator("deadline")(classmethod(lambda cls, v: _hhmm(v)))

    @field_validator("reminders")
    @classmethod
    def _reminders(cls, values: list[str]) -> list[str]:
        return sorted(_hhmm(v) for v in values)


class Maintenance(Model):
    lead_working_days: Annotated[int, Field(ge=1, le=20)] = 2  # art. 22


class Office(Model):
    """Members of a city office: listed users, or every city-tier user with one of the roles."""

    users: list[str] = []
    roles: list[str] = []


class Offices(Model):
    city_duty: Office = Office(roles=["duty"])  # 市级监控值守机构
    hazchem_division: Office = Office(users=["hazchem"])  # 市应急管理局危化处
    information_centre: Office = Office(roles=["administrator"])  # 信息中心


class Reports(Model):
    day: Annotated[int, Field(ge=1, le=28)] = 1  # day of the month on which last month's reports are made
    time: str = "06:00"
    formats: list[Literal["xlsx", "pdf"]] = ["xlsx", "pdf"]
    units: list[str] | None = None  # district:XX / park:YY; None: every district and park

    _check = field_validator("time")(classmethod(lambda cls, v: _hhmm(v)))


class GovernanceConfig(Model):
    commitment: Commitment = Commitment()
    maintenance: Maintenance = Maintenance()
    offices: Offices = Offices()
    reports: Reports = Reports()

    def report_units(self, plant: Plant) -> list[str]:
        if self.reports.units is not None:
            return list(self.reports.units)
        return [f"district:{d.code}" for d in plant.site.districts] + [f"park:{p.code}" for p in plant.site.parks]


def _check(cfg: GovernanceConfig, plant: Plant, raw: object, root: Where) -> list[ConfigIssue]:
    known = {f"district:{d.code}" for d in plant.site.districts} | {f"park:{p.code}" for p in plant.site.parks}
    issues = []
    for i, unit in enumerate(cfg.reports.units or []):
        if unit not in known:
            where = where_in(raw, ["reports", "units", i], root)
            issues.append(ConfigIssue(where, f"{unit!r} is not a district or park of site.yaml (known: {', '.join(sorted(known))})"))
    return issues


def load_governance_config(config_dir: str | Path, plant: Plant) -> GovernanceConfig:
    """``<config_dir>/governance.yaml`` validated against ``plant``; the defaults when the file is absent."""
    path = Path(config_dir) / GOVERNANCE_FILE
    if not path.is_file():
        return GovernanceConfig()
    issues: list[ConfigIssue] = []
    root = Where(str(path), 1, "")
    raw = load_yaml(path, str(path), issues)
    cfg = validate(GovernanceConfig, raw, issues, root) if raw is not None else None
    if cfg is not None:
        issues.extend(_check(cfg, plant, raw, root))
    if issues or cfg is None:
        raise ConfigError(issues or [ConfigIssue(root, "invalid file")])
    return cfg
