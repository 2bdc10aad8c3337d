"""Alarm states handed over between central workers sharing one store (edge/central.py calls ``hand_over`` when
the enterprises are reassigned): the new owner continues the alarm the old one raised — no second annunciation,
the same record — and the old owner forgets it, including its frozen-value checks."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alarm_rig import Plant

from rules.config import load_alarm_config

CONFIG = Path(__file__).resolve().parents[2] / "config"
GAS = "E01.T101.GT1"  # %LEL: H 20, HH 40 (critical, latching), on-delay 2 s; no_update after 3600 s (alarms.yaml)
ALL = {f"E0{n}" for n in range(1, 9)}


def hand_over(rig: Plant, mine: set[str], gained: set[str]) -> int:
    return asyncio.run(rig.engine.hand_over(mine, gained))


def test_the_new_owner_continues_the_alarm_and_the_old_one_forgets_it(store, demo_plant) -> None:
    cfg = load_alarm_config(CONFIG, demo_plant)
    old, new = Plant(demo_plant, cfg, store_engine=store), Plant(demo_plant, cfg, store_engine=store)
    for rig in (old, new):
        rig.engine.restore()
        rig.at(0)
    hand_over(old, ALL - {"E02"}, ALL - {"E02"})
    hand_over(new, {"E02"}, {"E02"})
    old.set(GAS, 45.0)
    old.at(3)
    (record,) = old.engine.table.records.values()
    old.engine.write_journal()
    assert [(a.alarm_id, a.state.isa) for a in old.engine.active()] == [(f"{GAS}:limit", "unacknowledged")]

    # The old worker goes: the new one takes E01 over from the store.
    assert hand_over(new, ALL, ALL - {"E02"}) == 1
    hand_over(old, set(), set())
    assert old.engine.active() == []
    new.clock.t = old.clock.t
    new.transitions()
    new.set(GAS, 46.0)  # still above the limit: nothing new to annunciate
    new.at(6)
    assert new.transitions() == []
    assert new.engine.table.records[f"{GAS}:limit"].id == record.id
    new.set(GAS, 0.0)
    new.at(8)
    new.engine.acknowledge(f"{GAS}:limit", "张三", "已处置")
    assert new.transitions(f"{GAS}:limit") == [("cleared", "latched"), ("acknowledged", "latched")]
    new.engine.write_journal()
    rows = new.engine.journal.query(source=GAS)
    assert [r["transition"] for r in rows] == ["activated", "cleared", "acknowledged"]
    assert {r["record_id"] for r in rows if r["record_id"] is not None} == {record.id}


def frozen(rig: Plant) -> set[str]:
    """The enterprises with an active frozen-value (no_update) alarm."""
    return {a.alarm.enterprise for a in rig.engine.active() if a.alarm.kind == "no_update"}


def test_enterprises_of_another_worker_raise_no_frozen_value_alarms(store, demo_plant) -> None:
    """No samples of another worker's enterprises arrive here: their no_update checks must not fire."""
    cfg = load_alarm_config(CONFIG, demo_plant)
    rig = Plant(demo_plant, cfg, store_engine=store)
    rig.engine.restore()
    rig.at(0)
    hand_over(rig, {"E02"}, {"E02"})
    rig.at(7200)  # two hours without a sample of anything
    assert frozen(rig) == {"E02"}  # its own gas detectors are frozen; E01's are not its business
    hand_over(rig, {"E01", "E02"}, {"E01"})  # E01 moves here: its detectors start their timeout now
    rig.at(7300)
    assert frozen(rig) == {"E02"}
    rig.at(7200 + 3601)
    assert frozen(rig) == {"E01", "E02"}
