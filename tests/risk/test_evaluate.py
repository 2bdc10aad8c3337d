"""Risk evaluation against breakdowns worked out by hand; configuration edits change the result."""

from __future__ import annotations

from pathlib import Path

import pytest
from risk_rig import ROOT, T0

from risk.config import Curve, RiskConfig, load_risk_config
from risk.evaluate import Evaluator
from rules.config import KpiSettings
from rules.events import AlarmRecord
from scada.config import ConfigError

NOW = T0 + 3600


def rec(rid: int, source: str, start: float, clear: float | None) -> AlarmRecord:
    return AlarmRecord(
        rid, f"{source}:limit", source, "limit", source.split(".")[0], "HS", "medium", "high", "high", None if clear else "high",
        T0 + start, 1.0, 1.0, T0 + start, 1.0, 1.0, T0 + clear if clear is not None else None,
    )  # fmt: skip


# E03 (45 points, worst hazard source 二级) over the 30-minute window [T0+1800, T0+3600):
RECORDS = [
    rec(1, "E03.K11.TT", 3000, 3060),  # K11.TT three times within 600 s: 2 repeated alarms
    rec(2, "E03.K11.TT", 3100, 3160),
    rec(3, "E03.K11.TT", 3200, None),  # still active: 400 s at NOW
    rec(4, "E03.K12.TT", 2000, 2600),  # 600 s
    rec(5, "E03.K13.TT", 1000, 2400),  # started before the window, cleared inside it: 1400 s
    rec(6, "E03.R301.TT", 100, 500),  # wholly before the window: ignored
    rec(7, "E01.T101.LT", 3000, None),  # another enterprise
]
# raw values
DISTURBANCE = 2 / 45  # K11.TT and K12.TT alarmed (started) in the window
REPEATED = 2
PER_POINT = 4 / 45  # 4 alarms started in the window
AVG_CLEAR = (60 + 60 + 600 + 1400) / 4  # cleared inside the window = 530
MAX_DURATION = 1400.0  # K13.TT
# scores on the shipped curves
S_DIST = DISTURBANCE / 0.05 * 40  # (0,0)–(0.05,40)
S_REP = REPEATED / 3 * 40  # (0,0)–(3,40)
S_PER = 40 + (PER_POINT - 0.05) / 0.15 * 40  # (0.05,40)–(0.2,80)
S_CLEAR = 40 + (AVG_CLEAR - 300) / 600 * 40  # (300,40)–(900,80)
S_DUR = 40 + (MAX_DURATION - 600) / 1200 * 40  # (600,40)–(1800,80)
SCORES = [S_DIST, S_REP, S_PER, S_CLEAR, S_DUR]


def shipped(plant) -> RiskConfig:  # type: ignore[no-untyped-def]
    return load_risk_config(ROOT / "config", plant)


def edited(plant, tmp_path: Path, old: str, new: str) -> RiskConfig:  # type: ignore[no-untyped-def]
    text = (ROOT / "config" / "risk.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (tmp_path / "risk.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return load_risk_config(tmp_path, plant)


def test_shipped_file_equals_the_documented_defaults(demo_plant) -> None:
    assert shipped(demo_plant).model_dump() == RiskConfig().model_dump()


def test_breakdown_matches_a_hand_computation(demo_plant) -> None:
    e = Evaluator(demo_plant, shipped(demo_plant), KpiSettings()).one("E03", [r for r in RECORDS if r.enterprise == "E03"], NOW, "blue")
    raw = {i.name: i.value for i in e.indicators}
    assert raw == pytest.approx(
        {
            "disturbance_rate": DISTURBANCE,
            "repeated_alarms": REPEATED,
            "avg_alarms_per_point": PER_POINT,
            "avg_clear_s": AVG_CLEAR,
            "max_duration_s": MAX_DURATION,
        }
    )
    assert [i.score for i in e.indicators] == pytest.approx(SCORES, abs=1e-5)
    assert e.dynamic == pytest.approx(sum(SCORES) / 5, abs=1e-5)  # 46.92
    assert (e.inherent, e.band, e.level, e.previous, e.changed) == ("二级", 2, "yellow", "blue", True)
    b = e.breakdown()
    assert b["cell"] == ["二级", 2] and b["previous"] == "blue" and b["level"] == "yellow"
    assert {s["code"]: s["level"] for s in b["inherent"]["sources"]} == {"E03-HS1": "二级", "E03-HS2": "四级", "E03-HS3": "三级"}


def test_a_calm_enterprise_is_blue_and_every_enterprise_is_evaluated(demo_plant) -> None:
    evals = Evaluator(demo_plant, shipped(demo_plant), KpiSettings()).evaluate(RECORDS, NOW, {})
    assert [e.enterprise for e in evals] == [f"E0{i}" for i in range(1, 9)]
    by = {e.enterprise: e for e in evals}
    assert by["E02"].level == "blue" and by["E02"].dynamic == 0.0 and by["E02"].previous is None
    assert by["E03"].level == "yellow"
    # E01: one alarm of 600 s on 128 points; 一级 row
    assert by["E01"].inherent == "一级"


def test_a_weight_changes_the_result_without_code(demo_plant, tmp_path) -> None:
    cfg = edited(
        demo_plant,
        tmp_path,
        "    max_duration_s:         # 最大报警持续时间 (s): longest alarm, an active one counted up to now\n"
        "      window_s: 1800\n      weight: 0.2",
        "    max_duration_s:\n      window_s: 1800\n      weight: 1.0",
    )
    e = Evaluator(demo_plant, cfg, KpiSettings()).one("E03", RECORDS[:6], NOW, None)
    assert e.dynamic == pytest.approx((sum(SCORES[:4]) * 0.2 + S_DUR * 1.0) / 1.8, abs=1e-5)  # 55.70
    assert (e.band, e.level) == (3, "orange")


def test_a_matrix_cell_changes_the_result_without_code(demo_plant, tmp_path) -> None:
    cfg = edited(demo_plant, tmp_path, "二级: [blue, yellow, orange, orange]", "二级: [blue, red, orange, orange]")
    e = Evaluator(demo_plant, cfg, KpiSettings()).one("E03", RECORDS[:6], NOW, None)
    assert (e.cell, e.level) == (("二级", 2), "red")


def test_a_window_and_a_band_boundary_change_the_result(demo_plant, tmp_path) -> None:
    cfg = edited(demo_plant, tmp_path, "bands: [25, 50, 75]", "bands: [25, 45, 75]")
    assert Evaluator(demo_plant, cfg, KpiSettings()).one("E03", RECORDS[:6], NOW, None).band == 3
    # Only the configured indicators count; a 60 s window sees only the alarm still active (400 s),
    # a 2 h one reaches back to R301.TT (400 s) and K13.TT (1400 s).
    for window, longest in ((60, 400.0), (7200, 1400.0)):
        only = {"max_duration_s": {"window_s": window, "curve": {"points": [[0, 0], [4000, 100]]}}}
        e = Evaluator(demo_plant, RiskConfig.model_validate({"evaluation": {"indicators": only}}), KpiSettings()).one(
            "E03", RECORDS[:6], NOW, None
        )
        assert [(i.name, i.value) for i in e.indicators] == [("max_duration_s", longest)]
        assert e.dynamic == pytest.approx(longest / 40)


def test_curve_is_piecewise_linear_and_flat_outside() -> None:
    c = Curve(points=[(0, 10), (10, 50), (20, 100)])
    assert [c.score(x) for x in (-5, 0, 5, 10, 15, 20, 99, None)] == [10, 10, 30, 50, 75, 100, 100, 0.0]


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("二级: [blue, yellow, orange, orange]", "二级: [blue, yellow, orange]", "evaluation.matrix.二级", "at least 4 items"),
        ("三级: [blue, blue, yellow, orange]", "三级: [blue, blue, purple, orange]", "evaluation.matrix.三级[2]", "blue"),
        (
            "[[0, 0], [3, 40], [10, 80], [20, 100]]",
            "[[0, 0], [3, 40], [3, 80]]",
            "evaluation.indicators.repeated_alarms.curve.points",
            "rising",
        ),
        ("bands: [25, 50, 75]", "bands: [50, 25, 75]", "evaluation.bands", "three rising boundaries"),
        ("deadline_s: 7200", "deadline_s: -1", "workflow.orange.deadline_s", "greater than 0"),
        ("contacts: {}", "contacts: {district:XX: {mail: [a@b.c]}}", "notifications.contacts.district:XX", "unknown unit"),
        ("tasks: {district: [inspection]}", "tasks: {district: [inspektion]}", "workflow.yellow.overdue.tasks.district", "no label"),
    ],
)
def test_errors_name_file_line_and_field(demo_plant, tmp_path, old: str, new: str, where: str, message: str) -> None:
    with pytest.raises(ConfigError) as exc:
        edited(demo_plant, tmp_path, old, new)
    issues = [(i.where.path, i.message) for i in exc.value.issues]
    assert any(path == where and message in text for path, text in issues), issues
    line = next(i.where.line for i in exc.value.issues if i.where.path == where)
    text = (tmp_path / "risk.yaml").read_text(encoding="utf-8").splitlines()
    assert new.split(":")[0] in text[line - 1]  # the line that was edited
