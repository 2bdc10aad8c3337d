"""Kill a process holding active, acknowledged and shelved alarms; restart: same states, no re-annunciation, no journal gap."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alarm_rig import Plant
from sqlalchemy import select

from rules.config import load_alarm_config
from scada.store import connect
from scada.store.tables import alarm_journal

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def test_states_survive_sigkill_without_reannunciation(tmp_path, demo_plant) -> None:
    url = f"sqlite:///{tmp_path / 'scada.db'}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "support")])}
    proc = subprocess.Popen([sys.executable, str(HERE / "restart_driver.py"), url], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
    finally:
        proc.kill()  # SIGKILL: no clean shutdown
        proc.wait(10)
    store = connect(url)
    rig = Plant(demo_plant, load_alarm_config(ROOT / "config", demo_plant), store_engine=store)
    assert rig.engine.restore() >= 3
    restored = {a.alarm_id: a.isa for a in rig.engine.active()}
    states = {a.alarm_id: a.isa for a in rig.engine.active() if a.alarm.kind == "limit"}
    assert states == {
        "E01.T101.LT:limit": "unacknowledged",
        "E01.T101.GT1:limit": "acknowledged",
        "E01.T102.LT:limit": "shelved",
    }
    shelved = rig.engine.table.state("E01.T102.LT:limit").shelved
    assert shelved is not None and (shelved.user, shelved.reason) == ("李四", "液位计检修")
    # The field still reports the same values: nothing is annunciated again.
    rig.set("E01.T101.LT", 16.8)
    rig.set("E01.T102.LT", 17.9)
    rig.set("E01.T101.GT1", 30.0)
    rig.at(30)
    events = rig.events.take()
    assert [e for e in events if e.annunciate or e.transition == "activated"] == []
    assert [e for e in events if e.alarm.kind == "limit"] == []  # (the rate alarms clear: the level is steady now)
    # The journal has no gaps and ends, for every alarm, in the state that was restored.
    with store.connect() as conn:
        rows = conn.execute(select(alarm_journal.c.id, alarm_journal.c.alarm_id, alarm_journal.c.state).order_by(alarm_journal.c.id)).all()
    assert [r.id for r in rows] == list(range(1, len(rows) + 1))
    last = {r.alarm_id: r.state for r in rows}
    assert {a: last[a] for a in restored} == restored
    # New transitions continue the same journal and records.
    rig.engine.acknowledge("E01.T101.LT:limit", "张三")
    rig.engine.write_journal()
    with store.connect() as conn:
        ids = [i for (i,) in conn.execute(select(alarm_journal.c.id).order_by(alarm_journal.c.id))]
    assert ids == list(range(1, len(ids) + 1)) and len(ids) >= len(rows) + 1
    store.dispose()
