"""GB/T 50493-2019 alarm setpoints for combustible and toxic gas detectors.

Combustible gas: first-level alarm ≤ 25 %LEL, second-level ≤ 50 %LEL. Toxic gas: per-gas values
from ``data/gbt50493_toxic_gas_setpoints.csv`` (mg/m³). A detector in ppm is not compared with
the table (the conversion needs the molar mass and conditions; the engineer checks it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from scada.standards.tables import read_table

COMBUSTIBLE_FIRST_LEVEL_MAX = 25.0
COMBUSTIBLE_SECOND_LEVEL_MAX = 50.0
TOXIC_UNITS = ("ppm", "mg/m3")


@dataclass(frozen=True, slots=True)
class ToxicSetpoint:
    gas: str
    first_level_mg_m3: float
    second_level_mg_m3: float


@cache
def _setpoints() -> dict[str, ToxicSetpoint]:
    index: dict[str, ToxicSetpoint] = {}
    for row in read_table("gbt50493_toxic_gas_setpoints"):
        sp = ToxicSetpoint(row["gas"], float(row["first_level_alarm_mg_m3"]), float(row["second_level_alarm_mg_m3"]))
        for name in [row["gas"], *re.split(r"\s+", row["gas"])]:
            index[name.lower()] = sp
    return index


def toxic_setpoint(gas: str) -> ToxicSetpoint | None:
    """By full name ('硫化氢 H2S'), Chinese name ('硫化氢') or formula ('H2S')."""
    return _setpoints().get(gas.strip().lower())


def toxic_gas_names() -> list[str]:
    return [r["gas"] for r in read_table("gbt50493_toxic_gas_setpoints")]
