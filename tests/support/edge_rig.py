"""Edge test rig: a demo-config copy with an uplink.yaml, the private broker's users, and child processes."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from scada.config import load_plant

ROOT = Path(__file__).resolve().parents[2]
SCADA = str(Path(sys.executable).with_name("scada"))
PYTHON = str(Path(SCADA).with_name("python"))
GATEWAY_PASSWORD = "gw-secret"
WORKER_PASSWORD = "worker-secret"
ENTERPRISES = [f"E0{i}" for i in range(1, 9)]


def copy_config(dest: Path, port: int, prefix: str = "scada/v1", passwords: bool = True, shift: bool = False, **uplink: object) -> Path:
    """The demo configuration with an uplink.yaml for a broker on ``port`` (workers and gateways share it);
    ``shift`` moves the simulator's ports to free ones (for tests that run `scada simulate`)."""
    if shift:
        from hmi_system import shifted_config

        shifted_config(dest)
    else:
        shutil.copytree(ROOT / "config", dest)
    users = (
        '  gateway: {username: "{enterprise}", password_env: SCADA_TEST_GW_PASSWORD}\n'
        "  worker: {username: worker, password_env: SCADA_TEST_WORKER_PASSWORD}\n"
        if passwords
        else ""
    )
    extra = "".join(f"{k}: {v}\n" for k, v in uplink.items())
    (dest / "uplink.yaml").write_text(
        f"broker:\n  host: 127.0.0.1\n  port: {port}\n  keepalive_s: 5\n{users}"
        f"topic_prefix: {prefix}\nack_timeout_s: 3\nbatch: {{max_delay_s: 0.2}}\nannounce_every_s: 1\n{extra}"
    )
    return dest


def process_env() -> dict[str, str]:
    # PYTHONPATH: children run the working tree even where the editable install lags behind a new package.
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCADA_TEST_GW_PASSWORD": GATEWAY_PASSWORD,
        "SCADA_TEST_WORKER_PASSWORD": WORKER_PASSWORD,
    }


class Processes:
    """Child processes of one test, stopped (SIGTERM, then SIGKILL) at its end."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *argv: str) -> subprocess.Popen[bytes]:
        with (self.root / f"{name}.log").open("ab") as log:
            proc = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT, env=process_env(), cwd=self.root)
        self.procs.append(proc)
        return proc

    def worker(self, name: str, config: Path, **settings: object) -> subprocess.Popen[bytes]:
        opts = [f"--{k.replace('_', '-')}={v}" for k, v in settings.items()]
        return self.start(
            name, SCADA, "run", "--source=mqtt", f"--config-dir={config}", f"--data-dir={self.root / name}", f"--worker-id={name}",
            "--hmi-port=0", "--status-interval-s=2", *opts,
        )  # fmt: skip

    def check(self) -> None:
        """Fail when a child ended on its own (its log says why)."""
        for p in self.procs:
            if p.poll() is not None and p.returncode not in (0, -15, -9):  # -9: killed by the test on purpose
                name = Path(p.args[1] if isinstance(p.args, list) else "").name
                raise AssertionError(f"{p.args!r} exited with {p.returncode}; {name}")

    def log(self, name: str) -> str:
        return (self.root / f"{name}.log").read_text(errors="replace")

    def stop_all(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in self.procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()


# -- helpers of the process-level uplink tests (test_failover, test_tls) -------------------------------------------


def gateways(root: Path, config: Path, enterprises: list[str], tags_each: int) -> tuple[Path, dict[str, list[str]]]:
    plant = load_plant(config)
    spec, chosen = [], {}
    for code in enterprises:
        ent = plant.enterprise(code).enterprise
        tags = [p.tag for p in plant.points if p.enterprise.code == code and not p.point.kind.startswith("gas")][:tags_each]
        chosen[code] = tags
        spec.append({"enterprise": code, "district": ent.district, "tags": tags})
    path = root / "gateways.json"
    path.write_text(json.dumps(spec))
    return path, chosen


def wait_until(condition, timeout: float, what: str, processes: Processes | None = None) -> None:  # type: ignore[no-untyped-def]
    """Poll ``condition`` every 0.2 s; fail after ``timeout`` or as soon as one of ``processes`` has died."""
    deadline = time.monotonic() + timeout
    while not condition():
        if processes is not None:
            processes.check()
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


def last_stat(log: str, key: str) -> int:
    found = re.findall(rf"edge ingest .*?\b{key}=(\d+)", log)
    return int(found[-1]) if found else 0


def synthetic(processes: Processes, config: Path, spec: Path, samples: int, period: float):  # type: ignore[no-untyped-def]
    return processes.start(
        "gateways", PYTHON, "-m", "edge.synthetic", f"--config-dir={config}", f"--data-dir={processes.root / 'gw'}",
        f"--gateways={spec}", "--mode=counting", f"--samples={samples}", f"--period={period}",
    )  # fmt: skip


def assert_exactly_once(rows: list, chosen: dict[str, list[str]], samples: int) -> None:  # type: ignore[type-arg]
    by_tag: dict[str, list[tuple[int, object]]] = {}
    for r in rows:
        by_tag.setdefault(r[0], []).append((r[1], r[2]))
    for tags in chosen.values():
        for tag in tags:
            got = sorted(by_tag.get(tag, []))
            assert [v for _t, v in got] == [float(k) for k in range(samples)], f"{tag}: {len(got)} of {samples} samples"
            assert len({t for t, _v in got}) == samples


def history_rows(db: Path, tags: list[str]) -> list[tuple[str, int, object]]:
    marks = ",".join("?" * len(tags))
    with sqlite3.connect(db, timeout=10) as conn:
        return conn.execute(f"SELECT p.tag, r.t, r.v FROM raw r JOIN points p ON p.id = r.point WHERE p.tag IN ({marks})", tags).fetchall()
