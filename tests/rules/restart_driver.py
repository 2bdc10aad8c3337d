"""Run as a process by test_restart: raise alarms in three states, persist them, then wait to be killed."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from alarm_rig import Plant

from rules.config import load_alarm_config
from scada.config import load_plant
from scada.store import connect, upgrade

ROOT = Path(__file__).resolve().parents[2]


def main(url: str) -> None:
    plant = load_plant(ROOT / "config")
    store = connect(url)
    upgrade(store)
    rig = Plant(plant, load_alarm_config(ROOT / "config", plant), store_engine=store)
    rig.engine.restore()
    for tag, value in (("E01.T101.LT", 10.0), ("E01.T102.LT", 10.0), ("E01.T101.GT1", 0.0)):
        rig.set(tag, value)
    rig.at(1)
    rig.set("E01.T101.LT", 16.8)  # active, unacknowledged
    rig.set("E01.T102.LT", 17.9)  # active, shelved
    rig.set("E01.T101.GT1", 30.0)  # active, acknowledged
    rig.at(10)
    rig.engine.acknowledge("E01.T101.GT1:limit", "张三", "已派人")
    rig.engine.shelve("E01.T102.LT:limit", "李四", "液位计检修", duration_s=3600)
    rig.engine.write_journal()
    print("READY", flush=True)
    time.sleep(600)


if __name__ == "__main__":
    main(sys.argv[1])
