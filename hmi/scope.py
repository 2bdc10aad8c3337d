"""THE server-side scope check: which enterprises a signed-in user may see, asked by every callback and API route.

A user belongs to one tier node — the city, a district, the park or an enterprise. The check never
trusts what a request names: a tag, alarm, camera or export is allowed only when its enterprise
is in the user's set, which is computed from the plant model on the server.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from werkzeug.exceptions import Forbidden

from scada.config import Plant

Tier = Literal["city", "district", "park", "enterprise"]
TIERS: tuple[Tier, ...] = ("city", "district", "park", "enterprise")


class OutOfScope(Forbidden):
    """A request for data outside the user's scope (HTTP 403)."""

    description = "outside your scope 超出权限范围"


def enterprise_of(tag_or_source: str) -> str:
    """Tags, device health tags and alarm sources all start with the enterprise code."""
    return tag_or_source.split(".", 1)[0]


def enterprises_in(plant: Plant, tier: str, code: str) -> frozenset[str]:
    ents = [f.enterprise for f in plant.enterprises]
    if tier == "city":
        return frozenset(e.code for e in ents) if code == plant.site.city.code else frozenset()
    if tier == "district":
        return frozenset(e.code for e in ents if e.district == code)
    if tier == "park":
        return frozenset(e.code for e in ents if e.park == code)
    if tier == "enterprise":
        return frozenset(e.code for e in ents if e.code == code)
    return frozenset()


@dataclass(frozen=True, slots=True)
class Scope:
    tier: str
    code: str
    enterprises: frozenset[str]

    @classmethod
    def of(cls, plant: Plant, tier: str, code: str) -> Scope:
        return cls(tier, code, enterprises_in(plant, tier, code))

    def has(self, enterprise: str) -> bool:
        return enterprise in self.enterprises

    def require(self, enterprise: str) -> str:
        """The enterprise code when allowed; 403 otherwise."""
        if enterprise not in self.enterprises:
            raise OutOfScope()
        return enterprise

    def tag_allowed(self, tag: str) -> bool:
        return enterprise_of(tag) in self.enterprises

    def require_tags(self, tags: Iterable[str]) -> list[str]:
        """All the tags, or 403 when any is outside the scope (an export or a faceplate asks for exactly these)."""
        tags = list(tags)
        if not all(self.tag_allowed(t) for t in tags):
            raise OutOfScope()
        return tags

    def filter_tags(self, tags: Iterable[str]) -> list[str]:
        """Only the tags inside the scope (a list view shows what the user may see)."""
        return [t for t in tags if self.tag_allowed(t)]

    def sorted(self) -> list[str]:
        return sorted(self.enterprises)


def current_scope() -> Scope:
    """The signed-in user's scope; 401 when nobody is signed in (import-light: flask-login is already loaded)."""
    from flask_login import current_user
    from werkzeug.exceptions import Unauthorized

    if not getattr(current_user, "is_authenticated", False):
        raise Unauthorized()
    return current_user.scope
