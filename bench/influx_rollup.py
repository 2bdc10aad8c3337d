"""Why the historian folds InfluxDB rollups itself: the server's rollup query against the fold, per minute of data.

A private ``influxd`` (the national bench's ``[data]`` settings) gets ``--series`` series with one minute of rows
(about 1.3 per series, as points reporting every 47 s). Then, timed with influxd's CPU from /proc:

- the minute rollup as the server computes it (``SELECT sum, min, max, last, count INTO … GROUP BY time(1m),
  point`` — what the historian ran before it folded), over that minute and over an empty minute;
- the same restricted to one enterprise's 1,000 points (a regular expression on the point), for comparison;

and, in this process, ``historian.rollup_fold.RollupFold`` folding the same rows (both tiers) and the partials
written back (influxd's CPU for that write).

    python bench/influx_rollup.py                     # 220,000 series (one worker's half of the national load)

Prints ``BENCH influx_rollup_query_cpu_s <s> s`` (influxd CPU for the minute), ``BENCH
influx_rollup_query_ms_per_series``, ``BENCH rollup_fold_us_per_row`` (this process) and ``BENCH
rollup_partials_write_cpu_s`` (influxd CPU to write a minute's partials once their series exist) and
``rollup_partials_write_us_per_row``.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path

import requests
from harness import ROOT
from influx_rows import cpu_s
from national import INFLUX_AT_SCALE

sys.path.insert(0, str(ROOT / "tests" / "support"))

import influxd as influxd_support

from historian.line_protocol import encode_buckets
from historian.rollup_fold import RollupFold, as_bucket
from historian.rows import US, Row

QUERY = (
    "SELECT sum(value) AS sum, min(value) AS min, max(value) AS max, last(value) AS last, count(value) AS n "
    "INTO b.autogen.agg FROM b.autogen.v WHERE {where}time >= {start}s AND time < {end}s GROUP BY time(60s), point fill(none)"
)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--series", type=int, default=220_000, help="points (series) [default: 220000]")
    args = p.parse_args()
    server = influxd_support.Influxd(Path(tempfile.mkdtemp(prefix="influx-rollup-")), INFLUX_AT_SCALE)
    server.start()
    try:
        assert server.proc is not None
        pid, session = server.proc.pid, requests.Session()

        def post(path: str, **params: str) -> requests.Response:
            r = session.post(f"{server.url}{path}", params=params, timeout=900)
            r.raise_for_status()
            return r

        def timed(what: str, call: object) -> float:
            before, t = cpu_s(pid), time.perf_counter()
            call()  # type: ignore[operator]
            cpu = cpu_s(pid) - before
            print(f"{what}: {time.perf_counter() - t:.1f} s, influxd {cpu:.1f} CPU-s", flush=True)
            return cpu

        post("/query", q="CREATE DATABASE b")
        minute = (int(time.time()) // 60 - 3) * 60
        rng = random.Random(1)
        rows = [
            Row(f"E{i // 1000:03d}.P{i % 1000:04d}", (minute + rng.randrange(60)) * US + i % 997, round(rng.uniform(0, 100), 3), 0, 0)
            for i in range(args.series)
            for _ in range(1 + (i % 3 == 0))
        ]
        lines = [f"v,point={r.tag} value={r.value!r} {r.t}" for r in rows]

        def write(body: bytes, rp: str = "autogen") -> None:
            session.post(f"{server.url}/write", params={"db": "b", "rp": rp, "precision": "u"}, data=body).raise_for_status()

        for i in range(0, len(lines), 20_000):
            write("\n".join(lines[i : i + 20_000]).encode())
        print(f"{args.series:,} series, {len(rows):,} rows in one minute", flush=True)

        query = timed("server rollup of the minute", lambda: post("/query", q=QUERY.format(where="", start=minute, end=minute + 60)))
        timed("server rollup of an empty minute", lambda: post("/query", q=QUERY.format(where="", start=minute + 60, end=minute + 120)))
        one = QUERY.format(where=r"point =~ /^E000\./ AND ", start=minute, end=minute + 60)
        timed("server rollup of one enterprise (1,000 series)", lambda: post("/query", q=one))

        fold = RollupFold()
        t = time.perf_counter()
        fold.add(rows)
        fold_us = (time.perf_counter() - t) / len(rows) * 1e6
        partials = [as_bucket(tag, p) for _s, tag, p in fold.take("1m")]
        body = encode_buckets(partials)
        timed(f"write {len(partials):,} partials (new series)", lambda: write(body))
        fold.add([r._replace(t=r.t + 60 * US) for r in rows])  # the next minute: the series exist now
        partials = [as_bucket(tag, p) for _s, tag, p in fold.take("1m")]
        bodies = [encode_buckets(partials[i : i + 5_000]) for i in range(0, len(partials), 5_000)]  # as the historian writes
        written = timed(f"write the next minute's {len(partials):,} partials", lambda: [write(b) for b in bodies])
        per_row = written / len(partials) * 1e6
    finally:
        server.stop()
    print(f"BENCH influx_rollup_query_cpu_s {query:.1f} s")
    print(f"BENCH influx_rollup_query_ms_per_series {query / args.series * 1000:.2f} ms")
    print(f"BENCH rollup_fold_us_per_row {fold_us:.2f} us")
    print(f"BENCH rollup_partials_write_cpu_s {written:.1f} s")
    print(f"BENCH rollup_partials_write_us_per_row {per_row:.1f} us")


if __name__ == "__main__":
    main()
