"""The per-sample limit check: four thresholds with deadband, on- and off-delay.

The hot path of the alarm engine (every sample of every point goes through ``Limits.level``),
so it is plain Python comparisons on slots — no rule engine. A threshold is entered at
``value >= high`` (``<= low``) and left only past the deadband (``value < high - deadband``).
"""

from __future__ import annotations

from scada.config.schema import Thresholds

SEVERITY = {"high_high": 2, "low_low": 2, "high": 1, "low": 1}  # second-level limits are worse than first-level
LIMIT_LEVELS_ORDER = ("high_high", "high", "low", "low_low")
LEVEL_ZH = {"high_high": "高高报", "high": "高报", "low": "低报", "low_low": "低低报"}


class Limits:
    __slots__ = ("db", "h", "hh", "l", "ll")

    def __init__(self, thresholds: Thresholds, deadband: float) -> None:
        self.hh, self.h, self.l, self.ll = thresholds.high_high, thresholds.high, thresholds.low, thresholds.low_low
        self.db = deadband

    @property
    def any(self) -> bool:
        return any(x is not None for x in (self.hh, self.h, self.l, self.ll))

    def limit(self, level: str | None) -> float | None:
        return {"high_high": self.hh, "high": self.h, "low": self.l, "low_low": self.ll}.get(level or "")

    def level(self, v: float, prev: str | None) -> str | None:
        """The raw level of ``v`` given the previous raw level (for the deadband)."""
        db = self.db
        hh, h, lo, ll = self.hh, self.h, self.l, self.ll
        if hh is not None and v >= (hh - db if prev == "high_high" else hh):
            return "high_high"
        if h is not None and v >= (h - db if prev in ("high", "high_high") else h):
            return "high"
        if ll is not None and v <= (ll + db if prev == "low_low" else ll):
            return "low_low"
        if lo is not None and v <= (lo + db if prev in ("low", "low_low") else lo):
            return "low"
        return None
