"""Journal, records and persisted states on SQLite and PostgreSQL; queries and export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from alarm_rig import Plant
from openpyxl import load_workbook

from rules.config import load_alarm_config
from rules.export import write
from scada.store import connect, upgrade

CONFIG = Path(__file__).resolve().parents[2] / "config"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'scada.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = connect(url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_transitions_are_journalled_and_queryable(store, demo_plant, tmp_path) -> None:
    rig = Plant(demo_plant, load_alarm_config(CONFIG, demo_plant), store_engine=store)
    rig.set("E01.T101.GT1", 0.0)
    rig.at(1)
    rig.set("E01.T101.GT1", 45.0)
    rig.at(3)
    rig.engine.acknowledge("E01.T101.GT1:limit", "张三", "已派人")
    rig.set("E01.T101.GT1", 2.0)
    rig.engine.reset("E01.T101.GT1:limit", "张三", "处置完毕")
    rig.engine.write_journal()
    journal = rig.engine.journal
    rows = journal.query(source="E01.T101.GT1")
    assert [(r["transition"], r["state"]) for r in rows] == [
        ("activated", "unacknowledged"),
        ("acknowledged", "acknowledged"),
        ("cleared", "latched"),
        ("reset", "normal"),
    ]
    assert rows[0]["priority"] == "critical" and rows[0]["value"] == 45.0 and rows[0]["limit_value"] == 40.0
    assert "可燃气体" in rows[0]["message"]
    assert [r["transition"] for r in journal.query(user="张三")] == ["acknowledged", "reset"]
    assert len(journal.query(source="E01.T101.*", priority="critical", state="latched")) == 1
    assert journal.query(enterprises=["E02"], source="E01.T101.GT1") == []
    later = datetime.fromtimestamp(rig.clock.t + 1, UTC)
    assert journal.query(start=later) == [] and len(journal.query(end=later)) == len(journal.query())
    (record,) = journal.records(datetime(2000, 1, 1, tzinfo=UTC), later)
    assert (record.start_status, record.worst_status, record.clear_type, record.ack_user) == (
        "high_high",
        "high_high",
        "returned_to_normal",
        "张三",
    )
    assert journal.load_active() == []  # back to normal: nothing persisted as active
    write(rows, tmp_path / "j.csv")
    text = (tmp_path / "j.csv").read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("id,at,alarm_id") and "已派人" in text
    write(rows, tmp_path / "j.xlsx")
    sheet = load_workbook(tmp_path / "j.xlsx").active
    assert sheet.max_row == 5 and sheet.cell(2, 9).value == "activated"


def test_active_states_persist_with_their_record(store, demo_plant) -> None:
    cfg = load_alarm_config(CONFIG, demo_plant)
    rig = Plant(demo_plant, cfg, store_engine=store)
    rig.set("E01.T101.LT", 10.0)
    rig.at(1)
    rig.set("E01.T101.LT", 17.9)
    rig.at(7)
    rig.engine.shelve("E01.T101.LT:limit", "李四", "检修", duration_s=600)
    rig.engine.write_journal()
    again = Plant(demo_plant, cfg, store_engine=store)
    again.engine.restore()
    s = again.engine.table.state("E01.T101.LT:limit")
    assert s.active and s.level == "high_high" and s.shelved is not None and s.shelved.until == rig.clock.t + 600
    record = again.engine.table.records["E01.T101.LT:limit"]
    assert record.start_value == 17.9 and record.id >= 1
    assert again.engine.table.next_record_id > record.id
