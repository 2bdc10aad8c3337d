"""Plausible process values and injected faults, as pure functions of time.

Tanks fill and empty slowly (each tank on its own phase); pressure follows level; temperatures
drift with the time of day; gas detectors show small noise around zero. Normal values stay inside
the point's alarm limits, so the demo is quiet until a fault is injected.

Faults (per point): ``spike`` (above the high-high limit), ``drift`` (rises by ``rate`` per second),
``stuck`` (frozen at the value it had), ``out_of_range`` (beyond the instrument range),
``nan`` (not a number), ``bad_status`` (OPC UA: the server reports a bad StatusCode).
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass

from scada.config import PointRef

POINT_FAULTS = ("spike", "drift", "stuck", "out_of_range", "nan", "bad_status")
FILL_PERIOD_S = 3600.0  # one fill/empty cycle per hour: visible movement in a demo
DAY_S = 86400.0


@dataclass
class PointFault:
    kind: str
    since: float
    rate: float = 0.0  # drift, engineering units per second
    frozen: float | bool | None = None


def _phase(name: str) -> float:
    return (zlib.crc32(name.encode()) % 1000) / 1000 * 2 * math.pi


class PointSignal:
    """The simulated value of one point."""

    def __init__(self, ref: PointRef, seed: int = 0) -> None:
        p = ref.point
        self.ref = ref
        self.tag = ref.tag
        self.kind = p.kind
        self.low, self.high = p.range
        t = p.thresholds
        # The band where the value normally lives: inside every configured limit.
        self.safe_low = t.low if t.low is not None else (t.low_low if t.low_low is not None else self.low)
        self.safe_high = t.high if t.high is not None else (t.high_high if t.high_high is not None else self.high)
        self.alarm_high = t.high_high if t.high_high is not None else self.safe_high
        self.is_bool = getattr(p.source, "type", "") == "bool"
        self.equipment_phase = _phase(f"{ref.enterprise.code}.{ref.equipment.code}")
        self.noise_seed = (zlib.crc32(self.tag.encode()) ^ seed) % 10_000
        self.fault: PointFault | None = None

    def noise(self, t: float) -> float:
        """Deterministic noise in [-1, 1]: a function of time, so a frozen clock gives a frozen value."""
        x = math.sin((t * 7.13 + self.noise_seed) * 12.9898) * 43758.5453
        return (x - math.floor(x)) * 2 - 1

    def normal(self, t: float) -> float | bool:
        if self.is_bool:
            return False
        band = self.safe_high - self.safe_low
        fill = 0.5 + 0.35 * math.sin(2 * math.pi * t / FILL_PERIOD_S + self.equipment_phase)  # 0.15 … 0.85
        if self.kind == "level":
            value = self.safe_low + band * fill
        elif self.kind == "pressure":  # follows the level of the same equipment, with a little noise
            value = self.safe_low + band * (0.25 + 0.4 * fill) + band * 0.005 * self.noise(t)
        elif self.kind == "temperature":
            day = math.sin(2 * math.pi * (t % DAY_S) / DAY_S - math.pi / 2)  # coolest at midnight UTC
            value = self.safe_low + band * (0.45 + 0.2 * day) + band * 0.003 * self.noise(t)
        elif self.kind in ("combustible_gas", "toxic_gas"):
            value = abs((self.high - self.low) * 0.003 * self.noise(t))
        else:
            value = self.safe_low + band * 0.5 + band * 0.01 * self.noise(t)
        return min(max(value, self.low), self.high)

    def value(self, t: float) -> float | bool:
        fault = self.fault
        if fault is None or fault.kind == "bad_status":
            return self.normal(t)
        if fault.kind == "stuck":
            if fault.frozen is None:
                fault.frozen = self.normal(fault.since)
            return fault.frozen
        if self.is_bool:
            return True  # any fault on a switch trips it
        span = self.high - self.low
        if fault.kind == "spike":
            return min(self.high, self.alarm_high + 0.05 * span)
        if fault.kind == "drift":
            return min(self.high, self.normal(fault.since) + fault.rate * (t - fault.since))
        if fault.kind == "out_of_range":
            return self.high + 0.1 * span
        if fault.kind == "nan":
            return math.nan
        raise ValueError(f"unknown fault {fault.kind!r}")

    @property
    def bad_status(self) -> bool:
        return self.fault is not None and self.fault.kind == "bad_status"

    def inject(self, kind: str, now: float, rate: float = 0.0) -> None:
        if kind not in POINT_FAULTS:
            raise ValueError(f"unknown point fault {kind!r} (faults: {', '.join(POINT_FAULTS)})")
        self.fault = PointFault(kind, now, rate or (self.high - self.low) / 600)  # default: full span in 10 min

    def clear(self) -> None:
        self.fault = None
