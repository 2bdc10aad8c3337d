"""Journal, records and persisted states on SQLite and PostgreSQL; queries and export."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from alarm_rig import Plant
from openpyxl import load_workbook

from rules.config import load_alarm_config
from rules.export import write
from scada.store import connect, upgrade

CONFIG = Path(__file__).resolve().parents[2] / "config"


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
    assert again.engine.table.ids.take() > record.id


def test_engines_sharing_a_store_never_give_the_same_record_id(store, demo_plant) -> None:
    """Two workers journalling into one store (issue 10): each reserves its ids from the store's counter, so no
    record of one replaces a record of the other — also when their blocks run out and interleave."""
    cfg = load_alarm_config(CONFIG, demo_plant)
    rigs = {tag: Plant(demo_plant, cfg, store_engine=store) for tag in ("E01.T101.GT1", "E01.T101.GT2")}
    for rig in rigs.values():
        rig.engine.table.ids.block = 2  # blocks of two: the five records each below need three reservations
        rig.engine.restore()
    for cycle in range(5):
        for tag, rig in rigs.items():  # raise, clear and reset: a new record per cycle
            rig.at(10 * cycle)
            rig.set(tag, 45.0)
            rig.at(10 * cycle + 3)
            rig.set(tag, 0.0)
            rig.at(10 * cycle + 4)
            rig.engine.reset(f"{tag}:limit", "张三", "复位")
            rig.engine.write_journal()
    records = rigs["E01.T101.GT1"].engine.journal.records(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    assert len({r.id for r in records}) == len(records) == 10
    assert sorted(r.source for r in records) == ["E01.T101.GT1"] * 5 + ["E01.T101.GT2"] * 5


def test_record_id_reservations_are_unique_under_concurrency(store) -> None:
    """Reservations from several connections at once (PostgreSQL: truly concurrent; SQLite: one writer at a time)."""
    from concurrent.futures import ThreadPoolExecutor

    from rules.journal import AlarmJournal

    journal = AlarmJournal(store)
    with ThreadPoolExecutor(4) as pool:
        firsts = list(pool.map(lambda _: journal.reserve_record_ids(3), range(200)))
    ids = [first + k for first in firsts for k in range(3)]
    assert len(set(ids)) == 600 and min(ids) == 1


def test_the_counter_starts_past_the_records_of_an_older_store(tmp_path) -> None:
    """A store upgraded to 0010 with records in it: reserved ids continue after the highest stored one."""
    from sqlalchemy import insert

    from rules.journal import AlarmJournal
    from scada.store.tables import alarm_records

    engine = connect(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(engine, "0004")
    at = datetime(2026, 1, 1, tzinfo=UTC)
    row = {"alarm_id": "a", "enterprise": "E01", "source": "E01.X", "kind": "limit", "priority": "high", "start_at": at, "data": {}}
    with engine.begin() as conn:
        conn.execute(insert(alarm_records), [{"id": 41, **row}, {"id": 7, **row}])
    upgrade(engine)
    assert AlarmJournal(engine).reserve_record_ids(10) == 42
    assert AlarmJournal(engine).reserve_record_ids(1) == 52
    engine.dispose()
