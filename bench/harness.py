"""Shared benchmark plumbing: the simulator in its own process, the drivers measured in this one."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthetic import free_port  # noqa: E402

from scada.config import Plant  # noqa: E402
from scada.drivers.acquisition import Acquisition, health_tags  # noqa: E402
from tags import TagBus, TagStore  # noqa: E402


def start_simulator(config: Path, update_period: float) -> subprocess.Popen:
    """`scada simulate` in a separate process (its CPU is not the driver's), once it serves."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "scada.cli",
            "simulate",
            "--config-dir",
            str(config),
            "--update-period",
            str(update_period),
            "--control-port",
            str(free_port()),
            "--log-format",
            "json",
        ],
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    while line := proc.stderr.readline():
        if "simulator running" in line:
            break
    else:
        raise SystemExit(f"the simulator did not start (exit status {proc.wait()})")
    # Keep draining its log so it never blocks on a full pipe.
    import threading

    threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
    return proc


def stop_simulator(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


async def measure(plant: Plant, seconds: float, warmup_s: float) -> tuple[int, float, float, TagStore, Acquisition]:
    """Run the real acquisition into a real tag store; return (updates, cpu_s, wall_s) after the warm-up."""
    store = TagStore(TagBus())
    store.define([p.tag for p in plant.points] + health_tags(plant))
    count = [0]

    def publish(batch: list) -> None:
        count[0] += len(batch)
        store.update(batch)

    acquisition = Acquisition(plant, publish)
    acquisition.start()
    await asyncio.sleep(warmup_s)
    start_count, cpu0, wall0 = count[0], time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    updates, cpu, wall = count[0] - start_count, time.process_time() - cpu0, time.perf_counter() - wall0
    await acquisition.stop()
    return updates, cpu, wall, store, acquisition


def pin_one_core() -> None:
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
