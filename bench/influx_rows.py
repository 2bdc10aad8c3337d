"""influxd's CPU per row by the fields a row carries — the measurement behind the historian's row layout.

A private ``influxd`` (the national bench's ``[data]`` settings) gets ``--series`` series, then rows at
``--rate`` per second in five writes a second (as two central workers commit) for ``--seconds``, once per
layout; influxd's CPU (utime + stime from /proc) over that time is divided by the rows written:

- ``value_q_st``: every field on every row (the layout before ``q`` became optional);
- ``value_st``: a Good row of the current layout (``q`` only when not Good);
- ``value``: the value alone, for reference.

    python bench/influx_rows.py                 # 220,000 series, 15,000 rows/s, 40 s per layout

Prints ``BENCH influx_row_cpu_us_<layout> <µs> us/row`` per layout.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import requests
from harness import ROOT
from national import INFLUX_AT_SCALE

sys.path.insert(0, str(ROOT / "tests" / "support"))

import influxd as influxd_support

LAYOUTS = {
    "value_q_st": "value={v!r},q=0i,st={st}i",
    "value_st": "value={v!r},st={st}i",
    "value": "value={v!r}",
}
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def measure(layout: str, args: argparse.Namespace) -> float:
    """influxd CPU-µs per row for one layout, on a fresh server."""
    server = influxd_support.Influxd(Path(tempfile.mkdtemp(prefix="influx-rows-")), INFLUX_AT_SCALE)
    server.start()
    try:
        assert server.proc is not None
        session, fields = requests.Session(), LAYOUTS[layout]

        def write(lines: list[str]) -> None:
            r = session.post(f"{server.url}/write", params={"db": "b", "precision": "u"}, data="\n".join(lines).encode(), timeout=60)
            r.raise_for_status()

        def line(i: int, t: int) -> str:
            values = fields.format(v=round(random.uniform(0, 100), 3), st=t + 1234)
            return f"v,point=E{i // 1000:03d}.T{i % 1000:04d}.PV {values} {t}"

        session.post(f"{server.url}/query", params={"q": "CREATE DATABASE b"}, timeout=30).raise_for_status()
        yesterday = int(time.time() * 1e6) - 86_400_000_000
        for k in range(0, args.series, 20_000):  # every series known, as in a running plant
            write([line(i, yesterday) for i in range(k, min(args.series, k + 20_000))])
        per_write = args.rate // 5
        c0, t0 = cpu_s(server.proc.pid), time.time()
        for k in range(args.seconds * 5):
            now = int(time.time() * 1e6)
            write([line(random.randrange(args.series), now + j) for j in range(per_write)])
            time.sleep(max(0.0, t0 + (k + 1) * 0.2 - time.time()))
        return (cpu_s(server.proc.pid) - c0) / (per_write * 5 * args.seconds) * 1e6
    finally:
        server.stop()


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--series", type=int, default=220_000, help="series (points) in the database [default: 220000]")
    p.add_argument("--rate", type=int, default=15_000, help="rows per second [default: 15000]")
    p.add_argument("--seconds", type=int, default=40, help="measured seconds per layout [default: 40]")
    args = p.parse_args(argv)
    for layout in LAYOUTS:
        print(f"BENCH influx_row_cpu_us_{layout} {measure(layout, args):.1f} us/row", flush=True)


if __name__ == "__main__":
    main()
