"""Governance test helpers: a controllable Beijing clock and actors of any unit."""

from __future__ import annotations

from datetime import datetime

from governance.actor import Actor
from governance.calendar import BEIJING


def bj(text: str) -> float:
    """POSIX seconds of a Beijing wall-clock time written ``YYYY-MM-DD HH:MM[:SS]``."""
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING).timestamp()


class Clock:
    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t

    def set(self, text: str) -> None:
        self.t = bj(text)


def actor(plant, user: str, role: str, unit: str) -> Actor:  # type: ignore[no-untyped-def]
    tier, code = unit.split(":")
    return Actor.of(plant, user, role, tier, code)
