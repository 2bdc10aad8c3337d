"""Enterprise warning level 企业预警等级 (arts. 11, 24): inherent risk × dynamic indicators in a risk matrix.

Per enterprise: the matrix row is the worst GB 18218 level of its major hazard sources (inherent
risk); each dynamic indicator is scored 0–100 by its piecewise-linear curve, the scores are
combined as a weighted mean, the mean falls into one of four dynamic bands (the matrix column),
and the cell gives the colour. Every step is kept in the result, so the stored breakdown shows
a supervisor why a level was given. Pure computation: storing is ``risk.levels``.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from risk.config import GB_LEVELS, RiskConfig
from risk.indicators import by_enterprise, point_counts, raw_indicators
from rules.config import KpiSettings
from rules.events import AlarmRecord
from scada.config import Plant
from scada.grading import grade_plant


@dataclass(frozen=True, slots=True)
class IndicatorScore:
    name: str
    window_s: float
    value: float | None  # the raw indicator (None: nothing to measure, e.g. no alarm cleared)
    score: float  # 0–100 from the indicator's curve
    weight: float


@dataclass(frozen=True, slots=True)
class SourceRisk:
    code: str
    r: float
    level: str | None  # 一级…四级, None when not a major hazard source


@dataclass(frozen=True, slots=True)
class RiskEvaluation:
    enterprise: str
    at: float
    inherent: str  # the matrix row: GB 18218 level
    sources: tuple[SourceRisk, ...]
    indicators: tuple[IndicatorScore, ...]
    dynamic: float  # weighted mean of the scores, 0–100
    band: int  # 1..4, the matrix column
    level: str  # the colour in the cell
    previous: str | None
    id: int | None = None

    @property
    def changed(self) -> bool:
        return self.level != self.previous

    @property
    def cell(self) -> tuple[str, int]:
        return self.inherent, self.band

    def breakdown(self) -> dict[str, Any]:
        return {
            "inherent": {"level": self.inherent, "sources": [asdict(s) for s in self.sources]},
            "indicators": [asdict(i) for i in self.indicators],
            "dynamic": self.dynamic,
            "band": self.band,
            "cell": [self.inherent, self.band],
            "previous": self.previous,
            "level": self.level,
        }

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "enterprise": self.enterprise, "at": self.at, "changed": self.changed, **self.breakdown()}


def inherent_rows(plant: Plant, not_major: str) -> dict[str, tuple[str, tuple[SourceRisk, ...]]]:
    """Enterprise → (matrix row, its graded hazard sources). The worst major hazard source decides."""
    graded: dict[str, list[SourceRisk]] = {e.enterprise.code: [] for e in plant.enterprises}
    for g in grade_plant(plant):
        graded[g.enterprise.code].append(SourceRisk(g.source.code, round(g.grade.r, 4), g.grade.level))
    out = {}
    for code, sources in graded.items():
        levels = [s.level for s in sources if s.level is not None]
        out[code] = (min(levels, key=GB_LEVELS.index) if levels else not_major, tuple(sources))
    return out


class Evaluator:
    """Evaluates every enterprise of a plant; built once per plant and configuration."""

    def __init__(self, plant: Plant, cfg: RiskConfig, kpi: KpiSettings) -> None:
        self.cfg, self.kpi = cfg.evaluation, kpi
        self.rows = inherent_rows(plant, self.cfg.not_major)
        self.points = point_counts(plant)

    @property
    def window_s(self) -> float:
        """The longest indicator window: how far back the alarm records must reach."""
        return max((i.window_s for i in self.cfg.indicators.values()), default=0.0)

    def evaluate(self, records: Iterable[AlarmRecord], now: float, previous: Mapping[str, str]) -> list[RiskEvaluation]:
        grouped = by_enterprise(records)
        return [self.one(code, grouped.get(code, []), now, previous.get(code)) for code in self.rows]

    def one(self, enterprise: str, records: list[AlarmRecord], now: float, previous: str | None) -> RiskEvaluation:
        cfg = self.cfg
        raw = raw_indicators(records, self.points.get(enterprise, 0), now, cfg, self.kpi)
        scores = tuple(
            IndicatorScore(name, ind.window_s, raw[name], round(ind.curve.score(raw[name]), 6), ind.weight)
            for name, ind in cfg.indicators.items()
        )
        total = sum(s.weight for s in scores)
        dynamic = round(sum(s.score * s.weight for s in scores) / total, 6) if total else 0.0
        band = 1 + bisect.bisect_right(cfg.bands, dynamic)  # a value on a boundary belongs to the higher band
        row, sources = self.rows[enterprise]
        level = cfg.matrix[row][band - 1]
        return RiskEvaluation(enterprise, now, row, sources, scores, dynamic, band, level, previous)
