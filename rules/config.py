"""The alarm configuration ``alarms.yaml``: priorities, texts, rules, compound rules, KPI settings.

Loaded with the located-YAML machinery of ``scada.config`` so every error names file, line and
field; cross-checked against the plant (patterns that match no point, unknown priorities,
text placeholders that do not exist). Limit alarms are not listed here: they come from each
point's four thresholds.
"""

# ruff: noqa: RUF012  (pydantic copies mutable field defaults; ruff cannot see Model is a BaseModel)
from __future__ import annotations

from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field

from scada.config import ConfigError, ConfigIssue, Plant, PointRef
from scada.config.checks import loc as located
from scada.config.schema import HAZARD_SOURCE_KINDS, POINT_KINDS, Model
from scada.config.validation import validate
from scada.config.where import Where
from scada.config.yaml_source import load_yaml

ALARMS_FILE = "alarms.yaml"
Seconds = Annotated[float, Field(ge=0)]
Positive = Annotated[float, Field(gt=0)]
LIMIT_LEVELS = ("low_low", "low", "high", "high_high")
ALARM_KINDS = (
    "limit",
    "bad_pv",
    "rate",
    "deviation",
    "discrete",
    "no_update",
    "device_offline",
    "gateway_offline",
    "video_lost",
    "video_fault",
    "compound",
)
# Placeholders a text may use ({value} etc.); anything else is a configuration error.
TEXT_FIELDS = ("name", "tag", "source", "value", "unit", "limit", "level", "level_zh", "status", "enterprise", "hazard_source")


class Priority(Model):
    name: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    colour: Literal["red", "orange", "yellow", "blue"]
    label: str = ""


class Texts(Model):
    """The master alarm database's texts for one alarm kind (ISA-18.2)."""

    message: str = "{name} {level_zh}"
    cause: str = ""
    consequence: str = ""
    action: str = ""


class Select(Model):
    """Which points a rule applies to: tag globs and/or point kinds (both must match)."""

    points: list[str] = ["*"]
    kinds: list[Literal[POINT_KINDS]] = []  # type: ignore[valid-type]

    def matches(self, ref: PointRef) -> bool:
        return (not self.kinds or ref.point.kind in self.kinds) and any(fnmatchcase(ref.tag, g) for g in self.points)


class Delays(Model):
    on_delay_s: Seconds = 0.0
    off_delay_s: Seconds = 0.0


class LimitRules(Model):
    priorities: dict[Literal[LIMIT_LEVELS], str] = {"low_low": "high", "low": "medium", "high": "medium", "high_high": "high"}  # type: ignore[valid-type]
    by_point_kind: dict[Literal[POINT_KINDS], dict[Literal[LIMIT_LEVELS], str]] = {}  # type: ignore[valid-type]


class BadPvRule(Delays):
    priority: str = "low"
    on_delay_s: Seconds = 5.0


class RateRule(Select, Delays):
    rise_per_min: Positive | None = None  # engineering units per minute
    fall_per_min: Positive | None = None
    window_s: Positive = 60.0
    priority: str = "medium"


class DeviationRule(Delays):
    """Redundant instruments: points ``a`` and ``b`` (keys) of the same equipment."""

    a: str
    b: str
    max_diff: Positive  # engineering units
    priority: str = "low"


class DiscreteRule(Select, Delays):
    """Off-normal: the value differs from ``normal`` (a point under a discrete rule is not limit-checked)."""

    normal: bool | int | str
    priority: str = "medium"


class NoUpdateRule(Select):
    timeout_s: Positive
    priority: str = "low"


class HealthRule(Delays):
    priority: str = "medium"


class HealthRules(Model):
    device_offline: HealthRule = HealthRule(priority="medium")
    gateway_offline: HealthRule = HealthRule(priority="high")
    video_lost: HealthRule = HealthRule(priority="medium")
    video_fault: HealthRule = HealthRule(priority="low", on_delay_s=10)


class SuppressWhen(Model):
    tag: str
    equals: bool | int | float | str


class SuppressionRule(Model):
    """Suppression by design: while ``when`` holds, the alarms of ``suppress`` (tag globs) are suppressed."""

    when: SuppressWhen
    suppress: list[str] = Field(min_length=1)
    reason: str


class GatewayStatus(Model):
    """Missed-alarm 漏报 check: point ``X`` is the gateway's alarm status of point ``X<suffix>``'s owner."""

    suffix: str = "_ALM"
    grace_s: Seconds = 60.0


class Condition(Model):
    kind: Literal[ALARM_KINDS]  # type: ignore[valid-type]
    point_kind: Literal[POINT_KINDS] | None = None  # type: ignore[valid-type]
    levels: list[str] = []  # any level when empty


class CompoundRule(Model):
    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-]+$")]
    name: str
    priority: str
    hazard_source_kinds: list[Literal[HAZARD_SOURCE_KINDS]] = []  # type: ignore[valid-type]
    all: list[Condition] = Field(min_length=2)
    texts: Texts | None = None


class Disturbance(Model):
    """平均扰动率 — its definition is not fixed by the regulation, so it is chosen here."""

    definition: Literal["alarming_points", "chattering_points", "repeated_points"] = "alarming_points"


class Chattering(Model):
    count: Annotated[int, Field(ge=2)] = 3
    window_s: Positive = 60.0


class KpiSettings(Model):
    repeat_window_s: Positive = 600.0
    flood_per_10min: Annotated[int, Field(ge=1)] = 10
    chattering: Chattering = Chattering()
    stale_after_s: Positive = 86400.0
    disturbance: Disturbance = Disturbance()
    bad_actors: Annotated[int, Field(ge=1)] = 10


class Shelving(Model):
    max_duration_s: Positive = 8 * 3600.0


class AlarmConfig(Model):
    priorities: list[Priority] = [
        Priority(name="critical", colour="red", label="红"),
        Priority(name="high", colour="orange", label="橙"),
        Priority(name="medium", colour="yellow", label="黄"),
        Priority(name="low", colour="blue", label="蓝"),
    ]
    latch_priorities: list[str] = []
    shelving: Shelving = Shelving()
    texts: dict[Literal[ALARM_KINDS], Texts] = {}  # type: ignore[valid-type]
    limits: LimitRules = LimitRules()
    bad_pv: BadPvRule = BadPvRule()
    rate: list[RateRule] = []
    deviation: list[DeviationRule] = []
    discrete: list[DiscreteRule] = []
    no_update: list[NoUpdateRule] = []
    health: HealthRules = HealthRules()
    suppression: list[SuppressionRule] = []
    gateway_status: GatewayStatus = GatewayStatus()
    compound: list[CompoundRule] = []
    kpi: KpiSettings = KpiSettings()

    @property
    def priority_names(self) -> list[str]:
        return [p.name for p in self.priorities]

    def note_required(self, priority: str) -> bool:
        """A note is mandatory to acknowledge the two highest priorities."""
        return priority in self.priority_names[:2]

    def rank(self, priority: str) -> int:
        names = self.priority_names
        return names.index(priority) if priority in names else len(names)

    def text(self, kind: str) -> Texts:
        return self.texts.get(kind, Texts())


def _check(cfg: AlarmConfig, plant: Plant, root: Where) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    names = set(cfg.priority_names)

    def loc(model: Model, *path: str | int) -> Where:
        """Where a field was written; a section left to its default is reported at the file."""
        if isinstance(model._raw, dict):
            return located(model, *path)
        return root

    def need_priority(model: Model, field: str, value: str, *path: str | int) -> None:
        if value not in names:
            known = ", ".join(cfg.priority_names)
            issues.append(ConfigIssue(loc(model, field, *path), f"unknown priority {value!r} (priorities: {known})"))

    if len(names) != len(cfg.priorities):
        issues.append(ConfigIssue(loc(cfg, "priorities"), "priority names must be unique"))
    for i, p in enumerate(cfg.latch_priorities):
        need_priority(cfg, "latch_priorities", p, i)
    for level, p in cfg.limits.priorities.items():
        need_priority(cfg.limits, "priorities", p, level)
    for kind, levels in cfg.limits.by_point_kind.items():
        for level, p in levels.items():
            need_priority(cfg.limits, "by_point_kind", p, kind, level)
    for model in (cfg.bad_pv, cfg.health.device_offline, cfg.health.gateway_offline, cfg.health.video_lost, cfg.health.video_fault):
        need_priority(model, "priority", model.priority)
    for rule in (*cfg.rate, *cfg.discrete, *cfg.no_update):
        need_priority(rule, "priority", rule.priority)
        if not any(rule.matches(p) for p in plant.points):
            issues.append(ConfigIssue(loc(rule, "points"), "matches no point of the plant"))
    for rule in cfg.rate:
        if rule.rise_per_min is None and rule.fall_per_min is None:
            issues.append(ConfigIssue(loc(rule), "give rise_per_min, fall_per_min or both"))
    keys = {(p.enterprise.code, p.equipment.code): set() for p in plant.points}
    for p in plant.points:
        keys[(p.enterprise.code, p.equipment.code)].add(p.point.key)
    for rule in cfg.deviation:
        need_priority(rule, "priority", rule.priority)
        if not any({rule.a, rule.b} <= k for k in keys.values()):
            issues.append(ConfigIssue(loc(rule, "a"), f"no equipment has both points {rule.a!r} and {rule.b!r}"))
    for rule in cfg.compound:
        need_priority(rule, "priority", rule.priority)
    seen: set[str] = set()
    for i, rule in enumerate(cfg.compound):
        if rule.id in seen:
            issues.append(ConfigIssue(loc(cfg, "compound", i, "id"), f"duplicate compound rule id {rule.id!r}"))
        seen.add(rule.id)
    sample = dict.fromkeys(TEXT_FIELDS, "")
    texts = [(t, cfg, ("texts", k)) for k, t in cfg.texts.items()] + [(r.texts, r, ("texts",)) for r in cfg.compound if r.texts]
    for text, owner, path in texts:
        for field in ("message", "cause", "consequence", "action"):
            try:
                getattr(text, field).format_map(sample)
            except (KeyError, IndexError, ValueError) as exc:
                where = loc(owner, *path, field)
                issues.append(ConfigIssue(where, f"bad placeholder {exc} (placeholders: {', '.join(TEXT_FIELDS)})"))
    return issues


def load_alarm_config(config_dir: str | Path, plant: Plant) -> AlarmConfig:
    """``<config_dir>/alarms.yaml`` validated against ``plant``; the defaults when the file is absent."""
    path = Path(config_dir) / ALARMS_FILE
    if not path.is_file():
        return AlarmConfig()
    issues: list[ConfigIssue] = []
    raw = load_yaml(path, str(path), issues)
    cfg = validate(AlarmConfig, raw, issues, Where(str(path), 1, "")) if raw is not None else None
    if cfg is not None:
        issues.extend(_check(cfg, plant, Where(str(path), 1, "")))
    if issues or cfg is None:
        raise ConfigError(issues)
    return cfg


def texts_for(cfg: AlarmConfig, kind: str, rule_texts: Texts | None = None) -> dict[str, str]:
    t = rule_texts or cfg.text(kind)
    return {"message": t.message, "cause": t.cause, "consequence": t.consequence, "action": t.action}


def as_value(data: Any) -> Any:
    """Values in texts: floats shortened, None as '-'."""
    if data is None:
        return "-"
    return f"{data:g}" if isinstance(data, float) else data
