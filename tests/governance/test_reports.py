"""A monthly report written, re-opened (xlsx and PDF) and compared with figures computed from the journal."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from gov_rig import actor, bj
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import insert

from governance.config import GovernanceConfig
from governance.service import Governance
from rules.config import load_alarm_config
from rules.engine import AlarmEngine
from scada.store.offline import OfflineLog
from scada.store.tables import risk_warnings
from tags import Quality, TagBus, TagStore, TagUpdate

ROOT = Path(__file__).resolve().parents[2]
ALARMING = {"E01.T101.LT": 3, "E02.A101.LT": 1}  # tag → times it goes high in February


@pytest.fixture
def month(engine, demo_plant, clock, tmp_path):  # type: ignore[no-untyped-def]
    cfg = load_alarm_config(ROOT / "config", demo_plant)
    tags = TagStore(TagBus(), clock)
    tags.define(p.tag for p in demo_plant.points)
    alarms = AlarmEngine(demo_plant, cfg, None, engine, clock)
    clock.set("2026-02-03 08:00")
    for tag, times in ALARMING.items():
        ref = demo_plant.point_by_tag[tag]
        lo, hi = ref.point.range
        for _ in range(times):
            for value in (hi, (lo + hi) / 2):
                tags.update([TagUpdate(tag, value, Quality.GOOD, clock())])
                alarms.process([tags.get(tag)])
                clock.t += max(ref.point.on_delay_s, ref.point.off_delay_s) + 1
                alarms.tick(clock())
            clock.t += 7200
    alarms.write_journal()
    with engine.begin() as conn:
        rows = [("E01", "red", "closed", False), ("E01", "yellow", "closed", True), ("E02", "orange", "open", False)]
        conn.execute(
            insert(risk_warnings),
            [
                {"enterprise": e, "district": "FS", "park": "YS", "colour": c, "status": s, "raised_at": bj("2026-02-05 10:00"),
                 "deadline_at": bj("2026-02-05 11:00"), "overdue": o}
                for e, c, s, o in rows
            ],
        )  # fmt: skip
    gov = Governance(engine, demo_plant, GovernanceConfig(), cfg.kpi, tmp_path, clock)
    for day in ("2026-02-10 09:30", "2026-02-11 10:30"):
        clock.set(day)
        gov.commitments.file(actor(demo_plant, "e01", "duty", "enterprise:E01"), "E01", "张三", "承诺", False, {})
    offline = OfflineLog(engine, clock=lambda: datetime.fromtimestamp(clock(), UTC))
    offline.device_edge("E01", "PLC1", False, datetime.fromtimestamp(bj("2026-02-20 10:00"), UTC))
    offline.device_edge("E01", "PLC1", True, datetime.fromtimestamp(bj("2026-02-20 13:00"), UTC))
    clock.set("2026-03-01 06:00")
    return gov, alarms


def journal_counts(alarms) -> Counter:  # type: ignore[no-untyped-def]
    """Independently: activations per enterprise in February, straight from the journal rows."""
    start, end = datetime.fromtimestamp(bj("2026-02-01 00:00"), UTC), datetime.fromtimestamp(bj("2026-03-01 00:00"), UTC)
    rows = alarms.journal.query(start, end, transition="activated")
    return Counter(r["enterprise"] for r in rows if r["enterprise"] in ("E01", "E02", "E08"))


def sheet(wb, name: str) -> dict:  # type: ignore[no-untyped-def]
    return {row[0]: row[1:] for row in wb[name].iter_rows(min_row=2, values_only=True)}


def test_the_scheduled_report_reopened_matches_the_journal(month) -> None:
    gov, alarms = month
    made = gov.tick()["reports"]
    assert ("district:FS", "2026-02", "xlsx") in made and ("park:YS", "2026-02", "pdf") in made
    city = actor(gov.plant, "admin", "administrator", "city:BJ")
    report = next(r for r in gov.reports(city, "district:FS") if r["fmt"] == "xlsx")
    path, _name = gov.report_file(city, report["id"])
    wb = load_workbook(path)
    expected = journal_counts(alarms)
    assert expected["E01"] >= 3 and expected["E02"] >= 1  # each excursion activates its alarm (and any compound one)
    by_ent = sheet(wb, "报警企业 Alarms by enterprise")
    assert {e: v[0] for e, v in by_ent.items()} == {"E01": expected["E01"], "E02": expected["E02"], "E08": 0}
    kpis = sheet(wb, "报警 Alarms")
    assert kpis["报警次数 alarms"][0] == sum(expected.values())
    warnings = sheet(wb, "预警 Warnings")
    assert warnings["red"] == (1, 1, 0, 0) and warnings["yellow"] == (1, 0, 1, 0) and warnings["orange"] == (1, 0, 0, 1)
    commitments = sheet(wb, "承诺 Commitments")
    assert commitments["E01"] == (1, 1, 26) and commitments["E02"] == (0, 0, 28)
    offline = sheet(wb, "离线 Offline")
    devices = len(next(f for f in gov.plant.enterprises if f.enterprise.code == "E01").devices)
    assert offline["E01"][1] == 3.0 and offline["E01"][2] == 1
    assert offline["E01"][0] == round(100 * (1 - 3 * 3600 / (28 * 86400 * devices)), 2)
    assert any(ws._charts for ws in wb.worksheets)


def test_the_pdf_carries_the_same_figures_in_chinese(month) -> None:
    gov, alarms = month
    city = actor(gov.plant, "admin", "administrator", "city:BJ")
    row = gov.generate_report(city, "park:YS", "2026-02", "pdf")
    text = "".join(page.extract_text() for page in PdfReader(row["path"]).pages)
    assert "月度风险分析报告" in text and "park:YS 2026-02" in text
    expected = journal_counts(alarms)
    section = text.split("报警企业 Alarms by enterprise", 1)[1].split("报警排名", 1)[0].split()
    assert section[section.index("报警") + 1 :][:4] == ["E01", str(expected["E01"]), "E02", str(expected["E02"])]
    with pytest.raises(Exception, match="report for park:YS"):
        gov.generate_report(actor(gov.plant, "dx", "administrator", "district:DX"), "park:YS", "2026-02", "pdf")
