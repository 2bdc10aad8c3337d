"""A private InfluxDB 1.x server (Debian's ``influxd``) on free loopback ports with its own data folder.

Used by the historian tests and ``bench/historian.py``. ``stop()``/``start()`` simulate an outage
with the data kept; ``kill()`` is a crash.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import requests

INFLUXD = shutil.which("influxd") or "/usr/bin/influxd"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def available() -> bool:
    return Path(INFLUXD).exists()


class Influxd:
    def __init__(self, root: Path, data_settings: str = "", gogc: int | None = None) -> None:
        """``gogc``: the Go collector's GOGC for this influxd (None: Go's default, 100)."""
        self.root = root
        self.env = {**os.environ, "GOGC": str(gogc)} if gogc is not None else None
        self.port = _free_port()
        self.rpc_port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.config = root / "influxdb.conf"
        self.log = root / "influxd.log"
        self.proc: subprocess.Popen[bytes] | None = None
        root.mkdir(parents=True, exist_ok=True)
        self.config.write_text(
            f"""reporting-disabled = true
bind-address = "127.0.0.1:{self.rpc_port}"
[meta]
  dir = "{root}/meta"
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
  max-values-per-tag = 0  # one series per point: 100,000 (the default limit) is far below a national plant
  max-series-per-database = 0
{data_settings}[http]
  bind-address = "127.0.0.1:{self.port}"
  log-enabled = false
[continuous_queries]
  enabled = false
[monitor]
  store-enabled = false
"""
        )

    def start(self, timeout_s: float = 30.0) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([INFLUXD, "run", "-config", str(self.config)], stdout=log, stderr=subprocess.STDOUT, env=self.env)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"influxd exited with {self.proc.returncode}; see {self.log}")
            try:
                if requests.get(f"{self.url}/ping", timeout=0.5).status_code == 204:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"influxd did not answer on {self.url} within {timeout_s} s; see {self.log}")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def query(self, influxql: str, database: str = "scada") -> list[dict]:
        response = requests.post(f"{self.url}/query", params={"db": database, "q": influxql, "epoch": "u"}, timeout=30)
        response.raise_for_status()
        return response.json()["results"][0].get("series", [])
