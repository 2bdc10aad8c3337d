"""The validated plant model: the whole configuration tree, immutable, with lookup indexes.

Built only by ``scada.config.loader.load_plant``; a ``Plant`` is always complete and valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from scada.config.schema import Enterprise, EnterpriseFile, Equipment, HazardSource, ModbusDevice, OpcUaDevice, Point, SiteFile, Template


@dataclass(frozen=True, slots=True)
class PointRef:
    """A point with everything around it; ``tag`` is its name on the tag bus."""

    tag: str
    enterprise: Enterprise
    hazard_source: HazardSource
    equipment: Equipment
    point: Point
    device: ModbusDevice | OpcUaDevice

    @property
    def code(self) -> str:
        """指标编码: configured, or the tag name."""
        return self.point.code or self.tag


def tag_name(enterprise: str, equipment: str, key: str) -> str:
    return f"{enterprise}.{equipment}.{key}"


@dataclass(frozen=True)
class Plant:
    site: SiteFile
    templates: dict[str, Template]
    enterprises: tuple[EnterpriseFile, ...]
    files: tuple[str, ...] = field(default=())
    content_hash: str = ""

    @cached_property
    def points(self) -> tuple[PointRef, ...]:
        refs = []
        for ent in self.enterprises:
            devices = {d.id: d for d in ent.devices}
            for hs in ent.hazard_sources:
                for eq in hs.equipment:
                    for p in eq.points:
                        device = devices[p.device or eq.device or ""]
                        refs.append(PointRef(tag_name(ent.enterprise.code, eq.code, p.key), ent.enterprise, hs, eq, p, device))
        return tuple(refs)

    @cached_property
    def point_by_tag(self) -> dict[str, PointRef]:
        return {p.tag: p for p in self.points}

    def enterprise(self, code: str) -> EnterpriseFile:
        for ent in self.enterprises:
            if ent.enterprise.code == code:
                return ent
        raise KeyError(code)

    @property
    def hazard_sources(self) -> tuple[tuple[Enterprise, HazardSource], ...]:
        return tuple((e.enterprise, hs) for e in self.enterprises for hs in e.hazard_sources)
