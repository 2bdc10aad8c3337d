"""GB 18218 grades of every hazard source in a plant (used by ``scada grade`` and later by risk evaluation)."""

from __future__ import annotations

from dataclasses import dataclass

from scada.config import Plant
from scada.config.schema import Enterprise, HazardSource
from scada.standards.gb18218 import HazardGrade, grade


@dataclass(frozen=True, slots=True)
class SourceGrade:
    enterprise: Enterprise
    source: HazardSource
    grade: HazardGrade


def grade_source(source: HazardSource) -> HazardGrade:
    chemicals = [c.grading_input() for c in source.chemicals]
    return grade(chemicals, source.people_within_500m)


def grade_plant(plant: Plant) -> list[SourceGrade]:
    return [SourceGrade(ent, hs, grade_source(hs)) for ent, hs in plant.hazard_sources]
