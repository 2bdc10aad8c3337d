"""Historian benchmark: write rates, trend query times, memory of a month's export.

    python bench/historian.py [--points 20000] [--seconds 10] [--month-sample-s 10] [--backends sqlite,influxdb1]

Prints, for each backend (InfluxDB: a private Debian ``influxd`` on a free loopback port):
  BENCH sqlite_write_points_per_s / influx_write_points_per_s  — sustained, through the whole write
      path (tag store → bus → recording policy → batches → SQLite, or → disk buffer → InfluxDB),
      every sample a real change, 20,000 points; counted when stored in the backend.
  BENCH trend_24h_raw_ms   — 24 h of 1 s samples of one point, raw.
  BENCH trend_30d_agg_ms   — 30 days of 10 points, aggregated to ≤1000 intervals (tier chosen by the planner).
  BENCH export_month_peak_mb — peak RSS of ``scada export`` writing a month of 10 points to CSV.
The month is sampled every ``--month-sample-s`` seconds (default 10 s: 2.6 M rows; 1 s takes 10× longer
to load and exports 26 M rows — the trend query reads the same hour tier either way).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

import influxd as influxd_support  # noqa: E402

from historian.config import HistorianConfig  # noqa: E402
from historian.influx_backend import InfluxHistory  # noqa: E402
from historian.rows import US, Row  # noqa: E402
from historian.service import Historian  # noqa: E402
from tags import Quality, TagBus, TagStore, TagUpdate  # noqa: E402

DAY = 86_400


def config_for(backend: str, server: influxd_support.Influxd | None) -> HistorianConfig:
    data: dict[str, object] = {"backend": backend, "batch": {"max_rows": 5000, "max_delay_s": 0.5}}
    if server is not None:
        data["influxdb1"] = {"url": server.url, "database": "bench"}
    return HistorianConfig.model_validate(data)


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stored(h: Historian) -> int:
    """Rows that reached the backend: all recorded ones for SQLite, minus what still waits in the buffer for InfluxDB."""
    return h.rows_recorded - (h.buffer.rows if h.buffer is not None else 0)


async def write_rate(h: Historian, points: int, seconds: float) -> float:
    bus = TagBus()
    store = TagStore(bus)
    names = [f"E{i % 50:02d}.EQ{i // 50:04d}.PV" for i in range(points)]
    store.define(names)
    h.subscribe(bus)
    task = asyncio.create_task(h.run(bus))
    value = 0.0
    start, cpu_start = time.perf_counter(), cpu_seconds()
    first = stored(h)
    while time.perf_counter() - start < seconds:
        if h.rows_recorded - stored(h) > 4 * points or h._sub.pending > 2 * points:  # keep the pipeline full, not flooded
            await asyncio.sleep(0.005)
            continue
        value += 1.0
        now = time.time()
        for i in range(0, points, 5000):
            store.update([TagUpdate(n, value, Quality.GOOD, now) for n in names[i : i + 5000]])
            await asyncio.sleep(0)
    elapsed, cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    count = stored(h) - first
    per_cpu = count / cpu
    print(f"# {h.config.backend}: {count} rows in {elapsed:.1f} s wall, {cpu:.1f} s CPU ({per_cpu:.0f} rows per CPU-second)")
    h.stop()
    await task
    if h.buffer is not None:
        h.forward_all()
    return count / elapsed


def rows_in_backend(h: Historian, data_dir: Path) -> int:
    """Raw rows the backend holds, counted by the backend itself."""
    if isinstance(h.backend, InfluxHistory):
        (series,) = h.backend.transport.query(f"SELECT count(value) FROM {h.backend.transport.source('raw', 'v')}")
        return int(series["values"][0][1])
    with sqlite3.connect(data_dir / h.config.sqlite.path) as conn:
        return int(conn.execute("SELECT count(*) FROM raw").fetchone()[0])


def fill_month(h: Historian, tags: list[str], start_s: int, days: int, step_s: int) -> int:
    total = 0
    for tag in tags:
        batch: list[Row] = []
        for k, t in enumerate(range(start_s, start_s + days * DAY, step_s)):
            batch.append(Row(tag, t * US, 50.0 + (k % 600) / 10, 0, t * US))
            if len(batch) == 50_000:
                h.record(batch)
                h.forward_all()
                total += len(batch)
                batch = []
        h.record(batch)
        h.forward_all()
        total += len(batch)
    return total


def timed_ms(fn) -> tuple[float, int]:
    started = time.perf_counter()
    n = sum(1 for _ in fn())
    return (time.perf_counter() - started) * 1000, n


PEAK_OF_CHILD = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def export_peak_mb(config_dir: Path, data_dir: Path, tags: list[str], start_s: int, end_s: int) -> tuple[float, int]:
    out = data_dir / "month.csv"
    env = {**os.environ, "SCADA_DATA_DIR": str(data_dir), "SCADA_CONFIG_DIR": str(config_dir)}
    args = ["--start", f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(start_s))}+00:00"]
    args += ["--end", f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(end_s))}+00:00"]
    for tag in tags:
        args += ["-p", tag]
    # Linux keeps a process's peak RSS across fork+exec, so a child forked from this (large) process
    # would report this process's size: a small launcher forks the export and reports its peak.
    export = [sys.executable, "-m", "scada.cli", "export", *args, "-o", str(out)]
    done = subprocess.run([sys.executable, "-c", PEAK_OF_CHILD, *export], env=env, cwd=ROOT, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"scada export failed with exit status {done.returncode}: {done.stderr[-2000:]}")
    peak_kb = int(done.stdout.split()[-1])
    rows = sum(1 for _ in out.open(encoding="utf-8-sig")) - 1
    out.unlink()
    return peak_kb / 1024, rows


def write_config_tree(base: Path, config: HistorianConfig) -> Path:
    """A configuration tree for `scada export`: the demo plant plus this historian.yaml (the bench tags have no metadata)."""
    import shutil

    import yaml

    tree = base / "config"
    shutil.copytree(ROOT / "config", tree)
    (tree / "historian.yaml").write_text(yaml.safe_dump(config.model_dump(mode="json")))
    return tree


def bench_backend(backend: str, args: argparse.Namespace, work: Path) -> None:
    server = None
    if backend != "sqlite":
        server = influxd_support.Influxd(work / "influxd")
        server.start()
    label = "sqlite" if backend == "sqlite" else "influx"
    try:
        config = config_for(backend, server)
        data = work / f"data-{backend}"
        h = Historian(config, data)
        h.setup()
        rate = asyncio.run(write_rate(h, args.points, args.seconds))
        in_backend = rows_in_backend(h, data)
        if in_backend != h.rows_recorded:  # the rate counts only what the backend really holds
            raise SystemExit(f"{backend}: {h.rows_recorded} rows recorded but {in_backend} stored")
        print(f"# {backend}: all {in_backend} recorded rows are in the backend", file=sys.stderr)
        print(f"BENCH {label}_write_points_per_s {rate:.0f} points/s")

        now = int(time.time()) // 3600 * 3600
        day_tag = "B.DAY.PV"
        fill_month(h, [day_tag], now - DAY, 1, 1)
        ms, n = timed_ms(lambda: h.raw([day_tag], now - DAY, now))
        print(f"BENCH {label}_trend_24h_raw_ms {ms:.0f} ms ({n} rows)")
        if backend == "sqlite":
            print(f"BENCH trend_24h_raw_ms {ms:.0f} ms")

        month_tags = [f"B.M{i:02d}.PV" for i in range(10)]
        start = now - 30 * DAY
        loaded = fill_month(h, month_tags, start, 30, args.month_sample_s)
        h._watermarks = {"1m": start * US, "1h": start * US}
        h.clock = lambda: float(now + 120)
        rolled = time.perf_counter()
        h.roll_up()
        print(f"# {backend}: {loaded} rows loaded for the month; rollups took {time.perf_counter() - rolled:.1f} s", file=sys.stderr)
        ms, n = timed_ms(lambda: h.aggregate(month_tags, start, now, max_points=1000))
        print(f"BENCH {label}_trend_30d_agg_ms {ms:.0f} ms ({n} intervals)")
        if backend == "sqlite":
            print(f"BENCH trend_30d_agg_ms {ms:.0f} ms")
        h.close()

        tree = write_config_tree(work / backend, config)
        peak, rows = export_peak_mb(tree, data, month_tags, start, now)
        print(f"BENCH {label}_export_month_peak_mb {peak:.0f} MB ({rows} rows)")
        if backend == "sqlite":
            print(f"BENCH export_month_peak_mb {peak:.0f} MB")
    finally:
        if server is not None:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--points", type=int, default=20_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--month-sample-s", type=int, default=10)
    parser.add_argument("--backends", default="sqlite,influxdb1")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-historian-") as tmp:
        for backend in args.backends.split(","):
            bench_backend(backend, args, Path(tmp))


if __name__ == "__main__":
    main()
