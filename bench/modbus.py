"""Modbus TCP acquisition throughput and CPU.

The simulator runs in its own process; the drivers and the tag store run here. Prints:

    BENCH acquisition_demo_points_per_s            demo plant at its configured scan rates
    BENCH acquisition_demo_cpu_ms_per_1000_points
    BENCH modbus_points_per_s_per_core        synthetic plant polled as fast as it answers: points / CPU second
    BENCH modbus_points_per_s                 the same, per wall-clock second
    BENCH modbus_cpu_ms_per_1000_points

    python bench/modbus.py [--points 20000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from harness import ROOT, measure, start_simulator, stop_simulator
from synthetic import write_plant

from scada.config import load_plant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--per-device", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()

    if not args.skip_demo:
        demo = load_plant(ROOT / "config")
        sim = start_simulator(ROOT / "config", 0.5)
        try:
            updates, cpu, wall, *_ = asyncio.run(measure(demo, args.seconds, 3.0))
        finally:
            stop_simulator(sim)
        modbus_points = sum(1 for p in demo.points if p.device.protocol == "modbus_tcp")
        print(f"demo plant: {modbus_points} Modbus points + OPC UA, {updates} updates in {wall:.1f} s, {cpu:.2f} s CPU")
        print(f"BENCH acquisition_demo_points_per_s {updates / wall:.0f} points/s")
        print(f"BENCH acquisition_demo_cpu_ms_per_1000_points {cpu / max(updates, 1) * 1e6:.1f} ms")

    with tempfile.TemporaryDirectory() as tmp:
        config = write_plant(Path(tmp) / "config", "modbus", args.points, args.per_device, 0.001)
        plant = load_plant(config)
        sim = start_simulator(config, 3600)  # values do not need to move to measure reads
        try:
            updates, cpu, wall, _store, acquisition = asyncio.run(measure(plant, args.seconds, 2.0))
        finally:
            stop_simulator(sim)
        requests = sum(d.stats.requests for d in acquisition.drivers)
        print(
            f"synthetic: {len(plant.points)} float32 points on {len(acquisition.drivers)} devices, "
            f"{updates} points in {wall:.1f} s, {cpu:.2f} s CPU, {requests} requests"
        )
        print(f"BENCH modbus_points_per_s_per_core {updates / cpu:.0f} points/s")
        print(f"BENCH modbus_points_per_s {updates / wall:.0f} points/s")
        print(f"BENCH modbus_cpu_ms_per_1000_points {cpu / max(updates, 1) * 1e6:.1f} ms")


if __name__ == "__main__":
    main()
