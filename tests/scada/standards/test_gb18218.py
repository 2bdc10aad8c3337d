"""GB 18218-2018 grading against hand calculations."""

from __future__ import annotations

import pytest

from scada.cli import main
from scada.standards.gb18218 import ChemicalInput, GradingError, alpha_for, find_in_table1, grade, level_for


def test_worked_example_from_the_domain_brief() -> None:
    # SO2 q=200 t, Q=20 t, β=2, 60 people within 500 m (α=1.5) → R = 1.5·(2·200/20) = 30 → 三级
    g = grade([ChemicalInput("二氧化硫", 200)], 60)
    assert g.alpha == 1.5 and g.chemicals[0].critical_t == 20 and g.chemicals[0].beta == 2
    assert g.r == pytest.approx(30.0) and g.level == "三级" and g.is_major


def test_mixture_sums_over_chemicals() -> None:
    # LPG (table 1, Q=50, class W2 β=1.5) 300 t + liquid ammonia (Q=10, toxic-gas β=2) 20 t,
    # an unnamed flammable liquid W5.3 (Q=1000, β=1) 500 t; 120 people → α = 2.0
    # Σq/Q = 6 + 2 + 0.5 = 8.5; R = 2·(1.5·6 + 2·2 + 1·0.5) = 27 → 三级
    g = grade(
        [ChemicalInput("液化石油气", 300, hazard_class="W2"), ChemicalInput("液氨", 20), ChemicalInput("某溶剂", 500, hazard_class="W5.3")],
        120,
    )
    assert g.sum_ratio == pytest.approx(8.5)
    assert g.r == pytest.approx(27.0) and g.level == "三级"


def test_below_one_is_not_a_major_hazard_source() -> None:
    g = grade([ChemicalInput("甲醇", 100, hazard_class="W5.3"), ChemicalInput("苯", 20, hazard_class="W5.1")], 10)
    assert g.sum_ratio == pytest.approx(0.2 + 0.4) and not g.is_major
    assert g.level is None and g.level_label == "非重大危险源"


def test_toxic_gas_beta_overrides_the_class_beta() -> None:
    g = grade([ChemicalInput("氯", 10, hazard_class="J1")], 0)  # J1 β=4 too, but the gas table says 4 for 氯
    assert g.chemicals[0].beta == 4 and g.alpha == 0.5
    h2s = grade([ChemicalInput("硫化氢", 5, hazard_class="J3")], 0)
    assert h2s.chemicals[0].beta == 5  # class J3 alone would give 2


def test_lookup_by_alias_and_cas() -> None:
    assert find_in_table1("液氯") == ("氯 (液氯;氯气)", 5.0)
    assert find_in_table1("anything", "74-98-6")[1] == 50.0  # propane → LPG row
    assert find_in_table1("硝化纤维素") is None  # several rows: must be named in full


def test_alpha_and_level_boundaries() -> None:
    assert [alpha_for(n) for n in (0, 1, 29, 30, 49, 50, 99, 100, 5000)] == [0.5, 1.0, 1.0, 1.2, 1.2, 1.5, 1.5, 2.0, 2.0]
    assert [level_for(r) for r in (9.99, 10, 49.9, 50, 99.9, 100)] == ["四级", "三级", "三级", "二级", "二级", "一级"]


def test_errors_say_how_to_fix() -> None:
    with pytest.raises(GradingError, match="give its hazard_class"):
        grade([ChemicalInput("某溶剂", 1)], 0)
    with pytest.raises(GradingError, match="β depends on its hazard class"):
        grade([ChemicalInput("汽油", 1)], 0)


# Hand calculations for demo hazard sources (config/enterprises/*.yaml).
DEMO_EXPECTED = {
    # 汽油 42000 t / 200 t = 210, β 1.5 (W5.1), 40 people → α 1.2: R = 1.2·315 = 378 → 一级
    "E01-HS1": (1.2, 210.0, 378.0, "一级"),
    # 液氨 480/10 = 48, β 2 (toxic gas), 60 people → α 1.5: R = 1.5·96 = 144 → 一级
    "E02-HS1": (1.5, 48.0, 144.0, "一级"),
    # 液氯 60/5 = 12, β 4, 35 people → α 1.2: R = 57.6 → 二级
    "E03-HS1": (1.2, 12.0, 57.6, "二级"),
    # 苯 180/50 = 3.6 (β 1.5) + 甲苯 260/500 = 0.52 (β 1.5); 120 people → α 2: R = 2·1.5·4.12 = 12.36 → 三级
    "E01-HS3": (2.0, 4.12, 12.36, "三级"),
    # 甲醇 40/500 + 丙酮 30/500 = 0.14 → not a major hazard source
    "E06-HS3": (1.5, 0.14, 0.21, "非重大危险源"),
}


def test_grade_command_prints_every_demo_source(demo_plant, capsys) -> None:
    import json

    assert main(["grade", "config", "--format", "json"]) == 0
    rows = {r["hazard_source"]: r for r in json.loads(capsys.readouterr().out)}
    assert set(rows) == {hs.code for _, hs in demo_plant.hazard_sources}
    for code, (alpha, ratio, r, level) in DEMO_EXPECTED.items():
        row = rows[code]
        assert (row["alpha"], row["sum_q_over_Q"], row["level"]) == (alpha, pytest.approx(ratio), level), code
        assert row["R"] == pytest.approx(r, abs=0.01), code
    assert sum(r["major"] for r in rows.values()) >= 20
    assert main(["grade", "config"]) == 0
    table = capsys.readouterr().out
    assert "E01-HS1" in table and "378.00" in table and "一级" in table
