"""The single-process pipeline a user would otherwise build with Node-RED, at the highest rate it sustains:

Modbus polling of the simulator (its own process) → decode and quality → tag store/bus → alarm
evaluation (every point has a high limit) → historian → InfluxDB (a private influxd). Every polled
value is written (heartbeat 1 ms: no deadband saving), as Node-RED's flow writes every register.

    BENCH pipeline_points_per_s_per_core   points written to InfluxDB per CPU-second of this process
    BENCH pipeline_points_per_s            the same per wall-clock second

    python bench/pipeline.py [--points 20000] [--seconds 20] [--scan-s 0.05]

Reference on this machine: Node-RED + node-red-contrib-modbus + node-red-contrib-influxdb moves
~86,000 raw register values per CPU-second into InfluxDB, with no scaling, quality or alarms.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

from harness import ROOT, start_simulator, stop_simulator
from synthetic import write_plant

sys.path.insert(0, str(ROOT / "tests" / "support"))

import influxd as influxd_support

from historian.config import HistorianConfig
from historian.service import Historian
from rules.config import AlarmConfig
from rules.engine import AlarmEngine
from scada.config import load_plant
from scada.drivers.acquisition import Acquisition, health_tags
from scada.gc_tuning import freeze_long_lived
from tags import TagBus, TagStore


def cpu_seconds() -> float:
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def written(h: Historian) -> int:
    return h.rows_recorded - (h.buffer.rows if h.buffer is not None else 0)


async def run(plant, historian: Historian, seconds: float, warmup_s: float) -> tuple[int, float, float, int]:  # type: ignore[no-untyped-def]
    bus = TagBus()
    store = TagStore(bus)
    store.define([p.tag for p in plant.points] + health_tags(plant))
    historian.setup()
    historian.subscribe(bus)
    hist_task = asyncio.create_task(historian.run(bus))
    alarms = AlarmEngine(plant, AlarmConfig(), bus, None)
    await alarms.start()
    acquisition = Acquisition(plant, store.update)
    acquisition.start()
    freeze_long_lived()  # as the server does once it is built (scada/gc_tuning.py)
    await asyncio.sleep(warmup_s)
    w0, c0, t0, e0 = written(historian), cpu_seconds(), time.perf_counter(), alarms.evaluations
    await asyncio.sleep(seconds)
    w1, c1, t1, e1 = written(historian), cpu_seconds(), time.perf_counter(), alarms.evaluations
    await acquisition.stop()
    await alarms.stop()
    historian.stop()
    await asyncio.gather(hist_task, return_exceptions=True)
    return w1 - w0, c1 - c0, t1 - t0, e1 - e0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--per-device", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=20.0)
    # Each device is polled again as soon as its period allows; a period far below a poll's duration
    # would only mark values stale (Uncertain) between polls and count those marks as written points.
    parser.add_argument("--scan-s", type=float, default=0.05, help="scan period of every point")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        server = influxd_support.Influxd(work / "influxd")
        server.start()
        config = write_plant(work / "config", "modbus", args.points, args.per_device, args.scan_s)
        plant = load_plant(config)
        sim = start_simulator(config, 0.5)
        try:
            hc = HistorianConfig.model_validate(
                {
                    "backend": "influxdb1",
                    "influxdb1": {"url": server.url, "database": "pipeline"},
                    "batch": {"max_rows": 20_000, "max_delay_s": 0.5},
                    "max_interval_s": 0.001,  # every polled value is written, like the Node-RED flow
                }
            )
            historian = Historian(hc, work / "data")
            try:
                rows, cpu, wall, evaluations = asyncio.run(run(plant, historian, args.seconds, 3.0))
            finally:
                historian.close()
        finally:
            stop_simulator(sim)
            server.stop()
    print(
        f"{len(plant.points)} Modbus points: {rows} written to InfluxDB in {wall:.1f} s, {cpu:.2f} CPU-s, {evaluations} alarm evaluations"
    )
    print(f"BENCH pipeline_points_per_s_per_core {rows / cpu:.0f} points/s")
    print(f"BENCH pipeline_points_per_s {rows / wall:.0f} points/s")


if __name__ == "__main__":
    main()
