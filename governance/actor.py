"""Who acts: a signed-in user's role and tier node, and the enterprises that node covers.

Every workflow step checks its owner against an ``Actor`` — never against what a request says
about itself. Units are written ``TIER:CODE`` (``district:FS``, ``enterprise:E01``, ``city:BJ``).
"""

from __future__ import annotations

from dataclasses import dataclass

from governance.errors import Forbidden, NotFound
from scada.config import Plant

TIERS = ("city", "district", "park", "enterprise")


def enterprises_of(plant: Plant, tier: str, code: str) -> frozenset[str]:
    ents = [f.enterprise for f in plant.enterprises]
    if tier == "city":
        return frozenset(e.code for e in ents) if code == plant.site.city.code else frozenset()
    return frozenset(e.code for e in ents if getattr(e, tier if tier != "enterprise" else "code") == code)


def units(plant: Plant) -> list[str]:
    """Every district, park and enterprise unit (the recipients of a notice sent to all)."""
    out = [f"district:{d.code}" for d in plant.site.districts] + [f"park:{p.code}" for p in plant.site.parks]
    return out + [f"enterprise:{f.enterprise.code}" for f in plant.enterprises]


def enterprise(plant: Plant, code: str):  # type: ignore[no-untyped-def]
    for f in plant.enterprises:
        if f.enterprise.code == code:
            return f
    raise NotFound(f"no enterprise {code!r} in the configuration")


@dataclass(frozen=True, slots=True)
class Actor:
    user: str
    role: str  # administrator, duty, engineer, viewer (hmi.users.ROLES); "system" for the server itself
    tier: str
    code: str
    enterprises: frozenset[str]

    @classmethod
    def of(cls, plant: Plant, user: str, role: str, tier: str, code: str) -> Actor:
        return cls(user, role, tier, code, enterprises_of(plant, tier, code))

    @classmethod
    def system(cls, plant: Plant) -> Actor:
        return cls.of(plant, "system", "system", "city", plant.site.city.code)

    @property
    def unit(self) -> str:
        return f"{self.tier}:{self.code}"

    def sees(self, enterprise: str) -> bool:
        return enterprise in self.enterprises

    def require_sees(self, enterprise: str) -> None:
        if enterprise not in self.enterprises:
            raise NotFound(f"no enterprise {enterprise!r} in your scope {self.unit}")

    def require(self, ok: bool, what: str) -> None:
        """Refuse with a message that says who may do ``what``."""
        if not ok:
            raise Forbidden(f"{what} — not allowed for {self.user} ({self.role}, {self.unit})")

    @property
    def writes(self) -> bool:
        return self.role != "viewer"
