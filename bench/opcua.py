"""OPC UA acquisition: changes delivered to the tag bus per second, and client CPU per change.

The simulator runs in its own process and writes every variable as fast as it can; the driver
and the tag store run here. Prints:

    BENCH opcua_changes_per_s          value changes delivered to the tag store per wall second
    BENCH opcua_client_us_per_change   CPU of this process per delivered change

    python bench/opcua.py [--points 20000] [--seconds 10]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from harness import measure, start_simulator, stop_simulator
from synthetic import write_plant

from scada.config import load_plant


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--per-device", type=int, default=20_000, help="points per OPC UA server")
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = write_plant(Path(tmp) / "config", "opcua", args.points, args.per_device, 0.05)
        plant = load_plant(config)
        sim = start_simulator(config, 0.001)  # rewrite every value as fast as the server takes them
        try:
            changes, cpu, wall, _store, acquisition = asyncio.run(measure(plant, args.seconds, 5.0))
        finally:
            stop_simulator(sim)
        sessions = sum(d.sessions for d in acquisition.drivers)
        print(
            f"synthetic: {len(plant.points)} OPC UA variables on {len(acquisition.drivers)} server(s), {sessions} session(s), "
            f"{changes} changes in {wall:.1f} s, {cpu:.2f} s CPU"
        )
        print(f"BENCH opcua_changes_per_s {changes / wall:.0f} changes/s")
        print(f"BENCH opcua_client_us_per_change {cpu / max(changes, 1) * 1e6:.1f} us")


if __name__ == "__main__":
    main()
