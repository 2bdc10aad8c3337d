"""A caller's tier scope (art. 23: every query and action is scoped by tier).

``city:BJ`` sees every enterprise, ``district:FS`` the enterprises in its district (parks
included), ``park:YS`` those in the park, ``enterprise:E01`` itself. The HMI supplies the
scope of its logged-in user; the CLI acts as the city.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from risk.config import TIERS
from risk.errors import RiskError


@dataclass(frozen=True, slots=True)
class Scope:
    tier: str
    code: str

    @classmethod
    def parse(cls, text: str) -> Scope:
        tier, _, code = text.partition(":")
        if tier not in TIERS or not code:
            raise RiskError(f"scope {text!r}: write TIER:CODE with TIER one of {', '.join(TIERS)}, e.g. district:FS")
        return cls(tier, code)

    @property
    def unit(self) -> str:
        return f"{self.tier}:{self.code}"

    def sees(self, row: Mapping[str, Any]) -> bool:
        """Whether a warning (a row with enterprise, district, park) lies inside this scope."""
        if self.tier == "city":
            return True
        return row.get(self.tier) == self.code

    def __str__(self) -> str:
        return self.unit


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: their tier scope and their name (recorded on feedback, tasks and notices)."""

    scope: Scope
    user: str
