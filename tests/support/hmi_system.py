"""The whole system for browser tests: `scada simulate` and `scada run` as real processes on a
port-shifted copy of the demo configuration (so they never collide with other tests)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from rig import free_port

from hmi.users import read_demo_users

ROOT = Path(__file__).resolve().parents[2]
DEMO_PORTS = re.compile(r"\b(150[0-9]{2}|484[0-9]{2})\b")


def shifted_config(dest: Path) -> Path:
    """Copy config/ with every simulator port replaced by a free one and a 1 s normal scan class."""
    shutil.copytree(ROOT / "config", dest)
    mapping: dict[str, str] = {}
    for path in dest.rglob("*.yaml"):
        text = DEMO_PORTS.sub(lambda m: mapping.setdefault(m.group(1), str(free_port())), path.read_text(encoding="utf-8"))
        if path.name == "site.yaml":
            text = text.replace("normal: {period_s: 5}", "normal: {period_s: 1}")
        path.write_text(text, encoding="utf-8")
    return dest


@dataclass
class System:
    root: Path
    url: str
    control_port: int
    users: dict[str, str]
    procs: list[subprocess.Popen]

    def api(self, user: str) -> requests.Session:
        s = requests.Session()
        r = s.post(f"{self.url}/api/v1/session", json={"username": user, "password": self.users[user]}, timeout=10)
        r.raise_for_status()
        s.headers["X-CSRF-Token"] = r.json()["csrf_token"]
        return s

    def stop_server(self) -> None:
        stop(self.procs[-1])

    def risk_service(self):  # type: ignore[no-untyped-def]
        """A warning workflow on the running server's store and configuration, as ``scada warnings`` builds it:
        what it raises is the server's (its HMI reads levels and the in-app feed from the store). Dispose its engine."""
        from risk.config import load_risk_config
        from risk.service import RiskService
        from rules.config import load_alarm_config
        from scada.config import load_plant
        from scada.settings import resolve
        from scada.store import connect

        settings = resolve({}, process_env(self.root))
        plant = load_plant(settings.config_dir)
        kpi = load_alarm_config(settings.config_dir, plant).kpi
        return RiskService(plant, load_risk_config(settings.config_dir, plant), kpi, connect(settings.effective_database_url), time.time)


def process_env(root: Path) -> dict[str, str]:
    return {**os.environ, "SCADA_DATA_DIR": str(root / "data"), "SCADA_CONFIG_DIR": str(root / "config"), "SCADA_LOG_FORMAT": "json"}


def start(args: list[str], root: Path, name: str) -> subprocess.Popen:
    env = process_env(root)
    out = (root / f"{name}.out").open("w")
    err = (root / f"{name}.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "scada.cli", *args], env=env, stdout=out, stderr=err, cwd=root)


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for_file_text(path: Path, needle: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    """Until the process logs ``needle``; fails at once when it exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        if path.exists() and needle in path.read_text(encoding="utf-8", errors="replace"):
            return
        time.sleep(0.1)
    raise AssertionError(
        f"{needle!r} not in {path} (exit status {proc.poll()}): {path.read_text()[-2000:] if path.exists() else 'missing'}"
    )


def start_system(root: Path) -> System:
    shifted_config(root / "config")
    control, hmi_port = free_port(), free_port()
    procs = [start(["simulate", "--control-port", str(control), "--update-period", "0.2"], root, "simulate")]
    try:
        wait_for_file_text(root / "simulate.log", "simulator running", procs[0])
        procs.append(start(["run", "--hmi-port", str(hmi_port), "--status-interval-s", "5"], root, "run"))
        wait_for_file_text(root / "run.log", "HMI serving", procs[1])
        users = read_demo_users(root / "data" / "demo-users.txt")
    except BaseException:
        for p in reversed(procs):
            stop(p)
        raise
    return System(root, f"http://127.0.0.1:{hmi_port}", control, users, procs)
