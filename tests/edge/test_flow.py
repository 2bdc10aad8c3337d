"""Basic flow on the machine's broker (127.0.0.1:1883): `scada simulate` → `scada edge` → broker → `scada run --source mqtt`."""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

import mosquitto as mosquitto_support
import pytest
from edge_rig import SCADA, Processes, copy_config, wait_until
from rig import free_port
from services import service_missing


def history(db: Path, tag_like: str) -> list[tuple[str, int, object, int]]:
    if not db.exists():
        return []
    try:
        with sqlite3.connect(db, timeout=10) as conn:
            return conn.execute(
                "SELECT p.tag, r.t, r.v, r.q FROM raw r JOIN points p ON p.id = r.point WHERE p.tag LIKE ? ORDER BY r.t", (tag_like,)
            ).fetchall()
    except sqlite3.OperationalError:  # the worker has created the file but not its tables yet
        return []


@pytest.mark.slow
def test_a_gateway_polls_the_simulator_and_the_platform_records_its_values(tmp_path: Path, processes: Processes) -> None:
    if not mosquitto_support.reachable("127.0.0.1", 1883):
        service_missing("the MQTT broker at 127.0.0.1:1883")
    config = copy_config(tmp_path / "config", 1883, prefix=f"scada-test/{uuid.uuid4().hex[:8]}", passwords=False, shift=True)
    control = free_port()
    processes.start("sim", SCADA, "simulate", f"--config-dir={config}", f"--control-port={control}", "--update-period=0.2")
    processes.worker("w1", config)
    edge = processes.start("edge", SCADA, "edge", "--enterprise=E01", f"--config-dir={config}", f"--data-dir={tmp_path / 'gw'}")
    db = tmp_path / "w1" / "history.db"
    wait_until(lambda: len({r[0] for r in history(db, "E01.%") if r[3] == 0}) >= 50, 90, "E01's values in history", processes)
    # Device health comes in the gateway's stream; the gateway link state is derived by the worker from the retained
    # MQTT status and recorded by its own historian batches (up to 1 s later): wait for both rather than race them.
    wait_until(lambda: any(r[0] == "E01._device.PLC1.online" and r[2] == 1 for r in history(db, "E01._device.%")), 20, "device health")
    wait_until(lambda: [r[2] for r in history(db, "E01._gateway.online")][-1:] == [1], 20, "the gateway reported online")
    assert {r[0].split(".")[0] for r in history(db, "E%")} == {"E01"}  # only the enterprise whose gateway runs
    edge.terminate()
    edge.wait(20)
    wait_until(lambda: [r[2] for r in history(db, "E01._gateway.online")][-1] == 0, 20, "the gateway reported offline")
    assert "Traceback" not in processes.log("w1") + processes.log("edge"), processes.log("edge")[-3000:]
