"""Synthetic gateways for tests and the national bench: real ``Uplink``s fed with generated samples.

``counting``: every tag gets samples 0, 1, 2, … ``period_s`` apart (value = its index, source time
= start + index × period) — a receiver can check that each one arrived exactly once.
``random``: ``rate`` values/s spread over random tags (each report a small random step), with an
optional burst of ``burst`` × the rate for ``burst_s`` every ``burst_every_s`` — the national load.

Run as ``python -m edge.synthetic`` (see ``--help``); prints one JSON line of statistics at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import signal
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from edge.config import UplinkConfig, load_uplink_config
from edge.uplink import Uplink
from tags import Quality, TagUpdate

GOOD = int(Quality.GOOD)


class CountingSource:
    def __init__(self, uplink: Uplink, tags: Sequence[str], period_s: float, samples: int, start: float) -> None:
        self.uplink, self.tags, self.period_s, self.samples, self.start = uplink, list(tags), period_s, samples, start
        self.sent = 0

    async def run(self) -> None:
        for k in range(self.samples):
            due = self.start + k * self.period_s
            delay = due - time.time()
            if delay > 0:
                await asyncio.sleep(delay)
            self.uplink.offer([TagUpdate(tag, float(k), GOOD, due) for tag in self.tags])
            self.sent += len(self.tags)


class RandomSource:
    def __init__(
        self, uplink: Uplink, tags: Sequence[str], rate: float, burst: float = 1.0, burst_s: float = 0.0, burst_every_s: float = 0.0
    ) -> None:
        self.uplink, self.tags, self.rate = uplink, list(tags), rate
        self.burst, self.burst_s, self.burst_every_s = burst, burst_s, burst_every_s
        self.values = {t: 50.0 for t in self.tags}
        self.sent, self.owed = 0, 0.0
        self._rng = random.Random(hash(uplink.enterprise))

    def factor(self, t: float) -> float:
        if self.burst_every_s and (t % self.burst_every_s) < self.burst_s:
            return self.burst
        return 1.0

    def step(self, now: float, tick: float) -> None:
        """Offer what is owed for one tick of ``tick`` seconds ending at ``now``."""
        self.owed += self.rate * self.factor(now) * tick
        n = int(self.owed)
        if not n:
            return
        self.owed -= n
        rng, values = self._rng, self.values
        batch = []
        for tag in rng.choices(self.tags, k=n):
            v = values[tag] = round(values[tag] + rng.uniform(-1, 1), 3)
            batch.append(TagUpdate(tag, v, GOOD, now))
        self.uplink.offer(batch)
        self.sent += n


async def tick_all(sources: Sequence[RandomSource], tick: float = 0.1, slots: int = 10) -> None:
    """Every random gateway of the process on one timer — a timer per gateway cost more CPU than the
    gateways' work — in ``slots`` groups spread over the tick, so their batches do not all start together.
    Samples carry the time their tick was due, not the time it ran: a simulator short of CPU offers the
    same load (the burst follows the due time) and its own lag counts in the measured latency."""
    groups = [sources[i::slots] for i in range(min(slots, len(sources)))]
    start, k = time.time(), 0
    while True:
        for i, group in enumerate(groups):
            due = start + (k + i / len(groups)) * tick
            if (ahead := due - time.time()) > 0:
                await asyncio.sleep(ahead)
            for s in group:
                s.step(due, tick)
        k += 1


async def run_gateways(args: argparse.Namespace, config: UplinkConfig) -> dict[str, object]:
    spec = json.loads(Path(args.gateways).read_text())  # [{"enterprise", "district", "tags": [...]}]
    uplinks, sources = [], []
    start = time.time() + 0.5
    disk = ThreadPoolExecutor(1, thread_name_prefix="spool")  # one disk thread for all: per-uplink order is kept
    for g in spec:
        up = Uplink(config, g["enterprise"], g["district"], f"SIM-{g['enterprise']}", Path(args.data_dir) / g["enterprise"], io=disk)
        uplinks.append(up)
        if args.mode == "counting":
            sources.append(CountingSource(up, g["tags"], args.period, args.samples, start))
        else:
            sources.append(RandomSource(up, g["tags"], g.get("rate", args.rate), args.burst, args.burst_s, args.burst_every_s))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    if args.duration:
        loop.call_later(args.duration, stop.set)
    runs = [asyncio.create_task(u.run()) for u in uplinks]
    if args.mode == "counting":
        feeds = [asyncio.create_task(s.run()) for s in sources if isinstance(s, CountingSource)]
    else:
        feeds = [asyncio.create_task(tick_all([s for s in sources if isinstance(s, RandomSource)]))]
    done = asyncio.gather(*feeds)
    if args.mode == "counting":
        await asyncio.wait([done, asyncio.create_task(stop.wait())], return_when=asyncio.FIRST_COMPLETED)
        for u in uplinks:
            u.flush()
        # Keep running until every batch is acknowledged (or stopped): the test waits for the historian.
        while not stop.is_set() and not all(u.settled for u in uplinks):
            await asyncio.sleep(0.1)
        if args.linger and not stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), args.linger)
    else:
        await stop.wait()
    for f in feeds:
        f.cancel()
    await asyncio.gather(*feeds, return_exceptions=True)
    for u in uplinks:
        u.stop()
    await asyncio.gather(*runs, return_exceptions=True)
    disk.shutdown(wait=True)
    totals: dict[str, object] = {"sent": sum(s.sent for s in sources)}
    for key in ("batches_stored", "published", "resends", "refused_samples"):
        totals[key] = sum(u.stats[key] for u in uplinks)
    return totals


def main(argv: Sequence[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m edge.synthetic", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--config-dir", required=True, help="folder with uplink.yaml")
    p.add_argument("--data-dir", required=True, help="disk buffers go to DATA_DIR/<enterprise>/")
    p.add_argument("--gateways", required=True, help='JSON file: [{"enterprise": "E01", "district": "FS", "tags": [...]}]')
    p.add_argument("--mode", choices=("counting", "random"), default="counting")
    p.add_argument("--period", type=float, default=0.1, help="counting: seconds between a tag's samples")
    p.add_argument("--samples", type=int, default=100, help="counting: samples per tag")
    p.add_argument("--linger", type=float, default=0.0, help="counting: stay connected this long after everything is acknowledged")
    p.add_argument("--rate", type=float, default=10.0, help="random: values/s per gateway")
    p.add_argument("--burst", type=float, default=1.0, help="random: rate factor during a burst")
    p.add_argument("--burst-s", type=float, default=0.0)
    p.add_argument("--burst-every-s", type=float, default=0.0)
    p.add_argument("--duration", type=float, default=0.0, help="stop after this many seconds (0: counting ends by itself)")
    args = p.parse_args(argv)
    config = load_uplink_config(Path(args.config_dir))
    print(json.dumps(asyncio.run(run_gateways(args, config))), flush=True)


if __name__ == "__main__":
    main()
