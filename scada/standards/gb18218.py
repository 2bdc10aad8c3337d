"""GB 18218-2018 identification and grading of major hazard sources.

``R = α · Σ βᵢ · qᵢ / Qᵢ`` with q the maximum quantity present (t) and Q the critical quantity (t).
A unit is a major hazard source when ``Σ qᵢ/Qᵢ ≥ 1``; its level follows R (一级 R≥100, 二级 50–100,
三级 10–50, 四级 <10).

Q comes from table 1 when the chemical is named there (by name, alias or CAS number), otherwise
from table 2 by hazard class. β comes from the toxic-gas table when the chemical is one of those
gases (it overrides the class β), otherwise from table 2 by hazard class — so a chemical that is
not a named toxic gas needs its hazard class.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache

from scada.errors import ScadaError
from scada.standards.tables import read_table


class GradingError(ScadaError):
    """A chemical that cannot be graded, with the reason and how to fix it."""


@dataclass(frozen=True, slots=True)
class ChemicalInput:
    name: str
    max_quantity_t: float
    cas: str | None = None
    hazard_class: str | None = None


@dataclass(frozen=True, slots=True)
class ChemicalGrade:
    name: str
    q_t: float
    critical_t: float  # Q
    beta: float
    basis: str  # where Q and β came from, for the breakdown shown to users

    @property
    def ratio(self) -> float:
        return self.q_t / self.critical_t


@dataclass(frozen=True, slots=True)
class HazardGrade:
    chemicals: tuple[ChemicalGrade, ...]
    people_within_500m: int
    alpha: float
    sum_ratio: float  # Σ q/Q
    r: float
    is_major: bool
    level: str | None  # 一级…四级, None when not a major hazard source

    @property
    def level_label(self) -> str:
        return self.level or "非重大危险源"


def _names(field: str) -> list[str]:
    """A table name like '氨 (液氨;氨气)' is known as 氨, 液氨 and 氨气; '甲烷, 天然气' as both."""
    head = re.split(r"\s*\(", field, maxsplit=1)[0]
    aliases = re.findall(r"\(([^()]*)\)", field)
    out = [field.strip(), head.strip()] + [n.strip() for n in head.split(",")]
    for group in aliases:
        out += [a.strip() for a in re.split(r"[;；、]", group)]
    return [n for n in dict.fromkeys(out) if n]


def normalise(name: str) -> str:
    return re.sub(r"\s+", "", name).lower()


@cache
def _table1() -> dict[str, tuple[str, float]]:
    """Lookup key (normalised name, alias or CAS) → (table name, Q).

    A short name shared by several rows (硝化纤维素, 硝酸铵 …) is left out: those chemicals must be
    named in full or by CAS number, since their Q differs by grade.
    """
    rows = [(r["name"], float(r["critical_quantity_t"]), r["cas"]) for r in read_table("gb18218_table1")]
    owners: dict[str, set[str]] = {}
    for name, _, _ in rows:
        for alias in _names(name):
            owners.setdefault(normalise(alias), set()).add(name)
    index: dict[str, tuple[str, float]] = {}
    for name, critical, cas in rows:
        for alias in _names(name):
            if len(owners[normalise(alias)]) == 1:
                index[normalise(alias)] = (name, critical)
        cas_numbers = [c.strip() for c in cas.split(";") if c.strip()]
        for number in cas_numbers:
            if sum(number in r[2] for r in rows) == 1:
                index[number] = (name, critical)
    return index


@cache
def _toxic_beta() -> dict[str, float]:
    index: dict[str, float] = {}
    for row in read_table("gb18218_beta_toxic_gases"):
        index[normalise(row["name"])] = float(row["beta"])
        index[row["cas"]] = float(row["beta"])
    return index


@cache
def hazard_classes() -> dict[str, tuple[float, float, str]]:
    """Table 2: class → (Q, β, description)."""
    return {r["class"]: (float(r["critical_quantity_t"]), float(r["beta"]), r["description"]) for r in read_table("gb18218_table2")}


def find_in_table1(name: str, cas: str | None = None) -> tuple[str, float] | None:
    table = _table1()
    return table.get(cas) if cas and cas in table else table.get(normalise(name))


def toxic_gas_beta(name: str, cas: str | None = None) -> float | None:
    table = _toxic_beta()
    if cas and cas in table:
        return table[cas]
    listed = find_in_table1(name, cas)
    keys = [normalise(name)] + ([normalise(n) for n in _names(listed[0])] if listed else [])
    return next((table[k] for k in keys if k in table), None)


def grade_chemical(chem: ChemicalInput) -> ChemicalGrade:
    listed = find_in_table1(chem.name, chem.cas)
    klass = hazard_classes().get(chem.hazard_class) if chem.hazard_class else None
    if chem.hazard_class and klass is None:
        raise GradingError(f"hazard class {chem.hazard_class!r} is not in GB 18218 table 2 (classes: {', '.join(hazard_classes())})")
    beta = toxic_gas_beta(chem.name, chem.cas)
    if listed:
        critical, q_basis = listed[1], f"表1 {listed[0]}"
    elif klass:
        critical, q_basis = klass[0], f"表2 {chem.hazard_class}"
    else:
        raise GradingError(f"chemical {chem.name!r} is not named in GB 18218 table 1; give its hazard_class from table 2 (e.g. W5.3)")
    if beta is not None:
        b_basis = "β 毒性气体表"
    elif klass:
        beta, b_basis = klass[1], f"β {chem.hazard_class}"
    else:
        raise GradingError(
            f"chemical {chem.name!r} is in table 1 (Q = {critical:g} t) but β depends on its hazard class; "
            "give hazard_class from table 2 (e.g. W2 for flammable gases, W5.1 for flammable liquids)"
        )
    return ChemicalGrade(chem.name, chem.max_quantity_t, critical, beta, f"{q_basis}; {b_basis}")


@cache
def _alpha_rows() -> tuple[tuple[int, int | None, float], ...]:
    return tuple(
        (int(r["people_within_500m_min"]), int(r["people_within_500m_max"]) if r["people_within_500m_max"] else None, float(r["alpha"]))
        for r in read_table("gb18218_alpha")
    )


def alpha_for(people: int) -> float:
    for low, high, alpha in _alpha_rows():
        if people >= low and (high is None or people <= high):
            return alpha
    raise GradingError(f"no α row in GB 18218 table for {people} people within 500 m")


def level_for(r: float) -> str:
    for row in read_table("gb18218_levels"):
        low = float(row["r_min"]) if row["r_min"] else float("-inf")
        high = float(row["r_max_exclusive"]) if row["r_max_exclusive"] else float("inf")
        if low <= r < high:
            return row["level"]
    raise GradingError(f"no GB 18218 level for R = {r}")


def grade(chemicals: Iterable[ChemicalInput], people_within_500m: int) -> HazardGrade:
    graded: Sequence[ChemicalGrade] = tuple(grade_chemical(c) for c in chemicals)
    alpha = alpha_for(people_within_500m)
    sum_ratio = sum(c.ratio for c in graded)
    r = alpha * sum(c.beta * c.ratio for c in graded)
    is_major = sum_ratio >= 1.0
    return HazardGrade(tuple(graded), people_within_500m, alpha, sum_ratio, r, is_major, level_for(r) if is_major else None)
