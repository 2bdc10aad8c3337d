"""The whole demo plant through real processes: `scada simulate` serving, `scada run` polling."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import select

from scada.cli import main
from scada.store import connect
from scada.store.tables import offline_episodes

ROOT = Path(__file__).resolve().parents[2]
CONTROL_PORT = 15998


def start(args: list[str], tmp_path: Path) -> subprocess.Popen:
    env = {**os.environ, "SCADA_DATA_DIR": str(tmp_path / "data"), "SCADA_LOG_FORMAT": "json", "SCADA_CONFIG_DIR": str(ROOT / "config")}
    return subprocess.Popen([sys.executable, "-m", "scada.cli", *args], env=env, stderr=subprocess.PIPE, text=True, cwd=tmp_path)


def wait_line(proc: subprocess.Popen, accept, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        seen.append(line)
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if accept(record):
            return record
    raise AssertionError(f"no matching log line; last lines: {seen[-5:]}")


def stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()


def test_run_polls_the_whole_demo_plant_from_the_simulator(tmp_path: Path, capsys) -> None:
    sim = start(["simulate", "--control-port", str(CONTROL_PORT)], tmp_path)
    try:
        wait_line(sim, lambda r: r["message"] == "simulator running")
        server = start(["run", "--status-interval-s", "1"], tmp_path)
        try:
            status = wait_line(server, lambda r: r["message"] == "status" and r["good"] == 621)
            assert status["devices"] == status["devices_online"] == 22
            assert main(["fault", "E02.PLC1=offline", "--control-port", str(CONTROL_PORT)]) == 0
            assert capsys.readouterr().out == "ok: E02.PLC1=offline\n"
            offline = wait_line(server, lambda r: r["message"] == "device offline")
            assert offline["device"] == "E02._device.PLC1.online"
            status = wait_line(server, lambda r: r["message"] == "status" and r["devices_online"] == 21)
            assert status["good"] == 621 - 6 * 5 - 8  # E02's liquid-ammonia tank farm: 6 tanks × 5 points + 8 detectors
        finally:
            stop(server)
    finally:
        stop(sim)
    engine = connect(f"sqlite:///{tmp_path / 'data' / 'scada.db'}")
    with engine.connect() as conn:
        episodes = conn.execute(select(offline_episodes.c.enterprise, offline_episodes.c.device, offline_episodes.c.ended_at)).all()
    engine.dispose()
    assert episodes == [("E02", "PLC1", None)]  # still open: the device was offline when the server stopped
    # The historian (embedded SQLite by default) recorded the run: good values, then E02's loss of communication.
    out = tmp_path / "e02.csv"
    env = {"SCADA_DATA_DIR": str(tmp_path / "data"), "SCADA_CONFIG_DIR": str(ROOT / "config")}
    subprocess.run(
        [sys.executable, "-m", "scada.cli", "export", "-p", "E02.A101.*", "--last", "1h", "--lang", "en", "-o", str(out)],
        env={**os.environ, **env},
        check=True,
        cwd=tmp_path,
    )
    with out.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["tag"] for r in rows} >= {"E02.A101.LT", "E02.A101.PT"}
    qualities = [r["quality"] for r in rows if r["tag"] == "E02.A101.LT"]
    assert qualities[0] == "Good" and qualities[-1].startswith("Bad"), qualities


def test_fault_command_errors_are_clear(capsys) -> None:
    assert main(["fault", "E01.T101.LT=melt", "--control-port", "1"]) == 1
    assert "no simulator control port on 127.0.0.1:1" in capsys.readouterr().err
    assert main(["fault", "E01.PLC1=melt"]) == 1
    assert "unknown device fault 'melt'" in capsys.readouterr().err
