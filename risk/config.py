"""The risk and warning configuration ``risk.yaml``: indicators, curves, weights, the risk matrix,
the warning workflow per colour and the notification channels.

Everything the national model leaves open (indicator windows, score curves, weights, the dynamic
bands and the matrix cells) is configuration with documented defaults; the regulation's fixed
parts (deadlines, tiers, notices) are configuration too, so a rule change is an edit, not a
release. Loaded with the located-YAML machinery: every error names file, line and field.
"""

# ruff: noqa: RUF012  (pydantic copies mutable field defaults; ruff cannot see Model is a BaseModel)
from __future__ import annotations

import itertools
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from scada.config import ConfigError, ConfigIssue, Plant
from scada.config.schema import Model
from scada.config.validation import validate, where_in
from scada.config.where import Where
from scada.config.yaml_source import load_yaml

RISK_FILE = "risk.yaml"
COLOURS = ("blue", "yellow", "orange", "red")  # rising risk (art. 10)
WARNING_COLOURS = ("yellow", "orange", "red")  # the ones with a warning lifecycle (arts. 15–17)
COLOURS_ZH = {"blue": "蓝色", "yellow": "黄色", "orange": "橙色", "red": "红色"}
GB_LEVELS = ("一级", "二级", "三级", "四级")  # GB 18218 levels, 一级 the highest risk
TIERS = ("city", "district", "park", "enterprise")
INDICATORS = ("disturbance_rate", "repeated_alarms", "avg_alarms_per_point", "avg_clear_s", "max_duration_s")

Colour = Literal["blue", "yellow", "orange", "red"]
Tier = Literal["city", "district", "park", "enterprise"]
Positive = Annotated[float, Field(gt=0)]
TaskKind = Annotated[str, Field(pattern=r"^[a-z_]+$")]


class Curve(Model):
    """A piecewise-linear score curve: (raw value, score) points with rising values; flat outside them."""

    points: list[tuple[float, Annotated[float, Field(ge=0, le=100)]]] = Field(min_length=2)

    @field_validator("points")
    @classmethod
    def _rising(cls, pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
        if any(b[0] <= a[0] for a, b in itertools.pairwise(pts)):
            raise ValueError("curve points must have strictly rising raw values")
        return pts

    def score(self, x: float | None) -> float:
        """0 when there is nothing to score (e.g. no alarm was cleared in the window)."""
        pts = self.points
        if x is None:
            return 0.0
        if x <= pts[0][0]:
            return pts[0][1]
        for (x0, y0), (x1, y1) in itertools.pairwise(pts):
            if x <= x1:
                return y0 + (y1 - y0) * (x - x0) / (x1 - x0)
        return pts[-1][1]


class Indicator(Model):
    window_s: Positive = 1800.0
    weight: Annotated[float, Field(ge=0)] = 0.2
    curve: Curve


def _curve(*pts: tuple[float, float]) -> Curve:
    return Curve(points=list(pts))


def _default_indicators() -> dict[str, Indicator]:
    return {
        "disturbance_rate": Indicator(curve=_curve((0, 0), (0.05, 40), (0.15, 80), (0.3, 100))),
        "repeated_alarms": Indicator(curve=_curve((0, 0), (3, 40), (10, 80), (20, 100))),
        "avg_alarms_per_point": Indicator(curve=_curve((0, 0), (0.05, 40), (0.2, 80), (0.5, 100))),
        "avg_clear_s": Indicator(curve=_curve((0, 0), (300, 40), (900, 80), (1800, 100))),
        "max_duration_s": Indicator(curve=_curve((0, 0), (600, 40), (1800, 80), (3600, 100))),
    }


def _default_matrix() -> dict[str, list[str]]:
    return {
        "一级": ["blue", "yellow", "orange", "red"],
        "二级": ["blue", "yellow", "orange", "orange"],
        "三级": ["blue", "blue", "yellow", "orange"],
        "四级": ["blue", "blue", "yellow", "yellow"],
    }


class Evaluation(Model):
    interval_s: Positive = 60.0
    not_major: Literal[GB_LEVELS] = "四级"  # type: ignore[valid-type]  # matrix row of an enterprise without a major hazard source
    indicators: dict[Literal[INDICATORS], Indicator] = Field(default_factory=_default_indicators)  # type: ignore[valid-type]
    bands: list[Annotated[float, Field(ge=0, le=100)]] = [25.0, 50.0, 75.0]  # combined score → dynamic band 1..4
    matrix: dict[Literal[GB_LEVELS], Annotated[list[Colour], Field(min_length=4, max_length=4)]] = Field(default_factory=_default_matrix)  # type: ignore[valid-type]

    @field_validator("bands")
    @classmethod
    def _three_rising(cls, bands: list[float]) -> list[float]:
        if len(bands) != 3 or any(b <= a for a, b in itertools.pairwise(bands)):
            raise ValueError("give three rising boundaries between the four dynamic bands, e.g. [25, 50, 75]")
        return bands

    @field_validator("matrix")
    @classmethod
    def _four_by_four(cls, matrix: dict[str, list[str]]) -> dict[str, list[str]]:
        missing = [lv for lv in GB_LEVELS if lv not in matrix]
        if missing:
            raise ValueError(f"the matrix needs a row for every GB 18218 level; missing {', '.join(missing)}")
        return matrix


class Notice(Model):
    issuer: Tier
    recipient: Tier


class Interview(Model):
    by: Tier  # who interviews the enterprise's principal person 约谈企业主要负责人


class Overdue(Model):
    """What a missed deadline sets off: a warning notice 警示通报 with its tasks, maybe an interview."""

    notice: Notice
    tasks: dict[Tier, list[TaskKind]] = {}
    interview: Interview | None = None


class Timer(Model):
    """Tasks created when the warning is still open ``after_s`` after it was raised."""

    name: Annotated[str, Field(pattern=r"^[a-z_]+$")]
    after_s: Positive
    tasks: dict[Tier, list[TaskKind]]


class ColourFlow(Model):
    deadline_s: Positive  # the level must be lowered within this time
    push: list[Tier]
    tasks: dict[Tier, list[TaskKind]] = {}
    report_to: list[Tier]  # who the enterprise reports verification and handling to
    timers: list[Timer] = []
    overdue: Overdue

    @model_validator(mode="after")
    def _names(self) -> ColourFlow:
        names = [t.name for t in self.timers]
        if "deadline" in names or len(set(names)) != len(names):
            raise ValueError("timer names must be unique and not 'deadline' (the deadline's own timer)")
        return self


class Workflow(Model):
    yellow: ColourFlow = ColourFlow(
        deadline_s=24 * 3600,
        push=["district", "park", "enterprise"],
        tasks={"enterprise": ["onsite_verify"], "park": ["remote_verify"], "district": ["watch"]},
        report_to=["district", "park"],
        overdue=Overdue(notice=Notice(issuer="district", recipient="enterprise"), tasks={"district": ["inspection"]}),
    )
    orange: ColourFlow = ColourFlow(
        deadline_s=2 * 3600,
        push=["district", "park", "enterprise"],
        tasks={"enterprise": ["onsite_verify"], "district": ["remote_verify"]},
        report_to=["district"],
        timers=[Timer(name="park_recheck", after_s=3600, tasks={"park": ["onsite_recheck"]})],
        overdue=Overdue(
            notice=Notice(issuer="district", recipient="enterprise"),
            tasks={"district": ["inspection", "enforcement", "report_result_to_city"]},
            interview=Interview(by="district"),
        ),
    )
    red: ColourFlow = ColourFlow(
        deadline_s=3600,
        push=["city", "district", "park", "enterprise"],
        tasks={"enterprise": ["onsite_verify"], "park": ["onsite_verify"], "district": ["remote_verify"], "city": ["watch"]},
        report_to=["city", "district"],
        overdue=Overdue(
            notice=Notice(issuer="city", recipient="district"),
            tasks={"district": ["inspection", "enforcement"]},
            interview=Interview(by="city"),
        ),
    )
    task_labels: dict[TaskKind, str] = {
        "onsite_verify": "安排专人赴现场核实情况",
        "remote_verify": "通过电话或视频连线与企业核实情况",
        "watch": "通过监测预警系统重点关注",
        "onsite_recheck": "安排专人赴现场复核情况",
        "inspection": "组织执法人员进行现场核查，督促预警降级",
        "enforcement": "对存在的违法违规行为依法进行处理",
        "report_result_to_city": "将处理结果上报市应急管理局",
        "interview": "约谈企业主要负责人",
        "emergency_response": "启动相关应急预案，开展应急处置工作",
    }
    max_attachment_bytes: Annotated[int, Field(gt=0)] = 10 * 1024 * 1024

    def flow(self, colour: str) -> ColourFlow:
        return getattr(self, colour)  # type: ignore[no-any-return]


class Retry(Model):
    max_attempts: Annotated[int, Field(ge=1)] = 5
    backoff_s: list[Positive] = [30.0, 120.0, 600.0, 1800.0]  # the last one repeats

    def delay(self, attempt: int) -> float:
        return self.backoff_s[min(attempt - 1, len(self.backoff_s) - 1)]


class SmtpChannel(Model):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    type: Literal["smtp"]
    host: str
    port: Annotated[int, Field(ge=1, le=65535)] = 25
    sender: str
    starttls: bool = False
    username: str | None = None
    password_env: str | None = None  # name of the environment variable holding the password
    timeout_s: Positive = 10.0


class WebhookChannel(Model):
    name: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
    type: Literal["webhook"]
    url: Annotated[str, Field(pattern=r"^https?://")]
    headers: dict[str, str] = {}
    timeout_s: Positive = 10.0


class Notifications(Model):
    retry: Retry = Retry()
    channels: list[Annotated[SmtpChannel | WebhookChannel, Field(discriminator="type")]] = []
    # "district:FS" → channel name → addresses (e-mail addresses, phone numbers for an SMS webhook)
    contacts: dict[str, dict[str, list[str]]] = {}


class RiskConfig(Model):
    evaluation: Evaluation = Evaluation()
    workflow: Workflow = Workflow()
    notifications: Notifications = Notifications()


def units(plant: Plant) -> set[str]:
    """Every addressable unit of the tier tree: ``city:BJ``, ``district:FS``, ``park:YS``, ``enterprise:E01``."""
    site = plant.site
    return (
        {f"city:{site.city.code}"}
        | {f"district:{d.code}" for d in site.districts}
        | {f"park:{p.code}" for p in site.parks}
        | {f"enterprise:{e.enterprise.code}" for e in plant.enterprises}
    )


def _check(cfg: RiskConfig, plant: Plant, raw: object, root: Where) -> list[ConfigIssue]:
    issues: list[ConfigIssue] = []
    known, channels = units(plant), {c.name for c in cfg.notifications.channels}
    for unit, by_channel in cfg.notifications.contacts.items():
        if unit not in known:
            issues.append(
                ConfigIssue(
                    where_in(raw, ["notifications", "contacts", unit], root), f"unknown unit {unit!r} (write TIER:CODE, e.g. district:FS)"
                )
            )
        for name in by_channel:
            if name not in channels:
                where = where_in(raw, ["notifications", "contacts", unit, name], root)
                issues.append(ConfigIssue(where, f"no channel named {name!r} in notifications.channels"))
    labels = cfg.workflow.task_labels
    for colour in WARNING_COLOURS:
        flow = cfg.workflow.flow(colour)
        groups = [(("tasks",), flow.tasks), (("overdue", "tasks"), flow.overdue.tasks)]
        groups += [(("timers", i, "tasks"), t.tasks) for i, t in enumerate(flow.timers)]
        for path, tasks in groups:
            for tier, kinds in tasks.items():
                for k in kinds:
                    if k not in labels:
                        where = where_in(raw, ["workflow", colour, *path, tier], root)
                        issues.append(ConfigIssue(where, f"task {k!r} has no label in workflow.task_labels"))
    return issues


def load_risk_config(config_dir: str | Path, plant: Plant) -> RiskConfig:
    """``<config_dir>/risk.yaml`` validated against ``plant``; the defaults when the file is absent."""
    path = Path(config_dir) / RISK_FILE
    if not path.is_file():
        return RiskConfig()
    issues: list[ConfigIssue] = []
    root = Where(str(path), 1, "")
    raw = load_yaml(path, str(path), issues)
    cfg = validate(RiskConfig, raw, issues, root) if raw is not None else None
    if cfg is not None:
        issues.extend(_check(cfg, plant, raw, root))
    if issues or cfg is None:
        raise ConfigError(issues or [ConfigIssue(root, "invalid file")])
    return cfg
