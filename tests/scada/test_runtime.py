"""The running server: whole-or-nothing configuration, start and stop through the real CLI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from scada.config import load_plant
from scada.settings import resolve
from scada.store import AuditLog, connect
from tags import Quality

ROOT = Path(__file__).resolve().parents[2]


def settings_for(tmp_path: Path, config: Path):
    return resolve({"config_dir": str(config), "data_dir": str(tmp_path / "data")}, environ={})


def test_reload_keeps_the_last_good_configuration(tmp_path: Path) -> None:
    from scada.runtime import Supervisor
    from scada.store import upgrade

    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    sup = Supervisor(settings_for(tmp_path, config), load_plant(config))
    upgrade(sup.engine)
    good_hash = sup.plant.content_hash
    assert sup.tags.get("E01.T101.LT").quality == Quality.BAD_WAITING_FOR_INITIAL_DATA

    broken = config / "enterprises" / "e01.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("people_within_500m: 40", "people_within_500m: many"), encoding="utf-8")
    assert sup.reload() is False
    assert sup.plant.content_hash == good_hash and len(sup.tags) == 621 + 8 + 22  # points, gateways, devices

    broken.write_text(broken.read_text(encoding="utf-8").replace("people_within_500m: many", "people_within_500m: 45"), encoding="utf-8")
    assert sup.reload() is True
    assert sup.plant.content_hash != good_hash
    assert [e.action for e in AuditLog(sup.engine).recent()] == ["config.applied"]
    sup.engine.dispose()


def read_until(proc: subprocess.Popen, needle: str, timeout: float = 30) -> list[str]:
    """stderr lines up to and including the first that contains ``needle``."""
    deadline = time.monotonic() + timeout
    lines: list[str] = []
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if needle in line:
            return lines
    raise AssertionError(f"{needle!r} not seen; got {lines}")


def test_scada_run_reloads_on_sighup_and_stops_on_sigterm(tmp_path: Path) -> None:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    env = {**os.environ, "SCADA_DATA_DIR": str(tmp_path / "data"), "SCADA_LOG_FORMAT": "json"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "scada.cli", "run", "--config-dir", str(config)], env=env, stderr=subprocess.PIPE, text=True, cwd=tmp_path
    )
    try:
        assert '"points": 621' in read_until(proc, "server running")[-1]
        site = config / "site.yaml"
        good = site.read_text(encoding="utf-8")
        site.write_text(good.replace("period_s: 5", "period_s: -5"), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        rejected = read_until(proc, "site.yaml")
        assert any("configuration rejected" in line for line in rejected)
        assert "scan_classes.normal.period_s" in rejected[-1]
        site.write_text(good.replace("period_s: 30", "period_s: 20"), encoding="utf-8")
        proc.send_signal(signal.SIGHUP)
        read_until(proc, "configuration applied")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=20) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stderr.close()
    engine = connect(f"sqlite:///{tmp_path / 'data' / 'scada.db'}")
    lifecycle = [e.action for e in AuditLog(engine).recent() if e.action.startswith(("server.", "config."))]  # other features audit too
    assert lifecycle == ["server.stopped", "config.applied", "server.started"]
    engine.dispose()
