"""Tag bus throughput: publish through the tag store to two subscribers, on one core.

Prints ``BENCH tagbus_updates_per_s <n> updates/s`` — samples accepted by the store and
delivered to *both* subscribers per second of wall time, sustained over ``--seconds``.
Every sample is a real change (alternating values), so nothing is short-circuited.
Also prints the figure for two subscribers that split the tags by pattern (``E0*`` / ``E1*``),
which exercises the per-sample routing table instead of whole-batch delivery.

    python bench/tagbus.py [--seconds 5] [--tags 10000] [--batch 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tags import OverflowPolicy, Quality, TagBus, TagStore, TagUpdate


async def _consume(sub, counter: list[int]) -> None:
    async for batch in sub:
        total = 0.0
        for value in batch:  # touch every value like a real consumer would
            total += value.value
        counter[0] += len(batch)


async def run(seconds: float, n_tags: int, batch: int, patterns: tuple[str, str]) -> float:
    bus = TagBus()
    store = TagStore(bus)
    names = [f"E{i % 20:02d}.EQ{i // 20:04d}.PV" for i in range(n_tags)]
    store.define(names)
    counters = [[0], [0]]
    subs = [
        bus.subscribe("a", patterns[0], policy=OverflowPolicy.DROP_OLDEST, maxlen=1_000_000),
        bus.subscribe("b", patterns[1], policy=OverflowPolicy.DROP_OLDEST, maxlen=1_000_000),
    ]
    consumers = [asyncio.create_task(_consume(s, c)) for s, c in zip(subs, counters, strict=False)]
    good = int(Quality.GOOD)
    per_pass = max(1, n_tags // batch)  # batches that cover every tag once
    # Two passes with different values, so every sample differs from the tag's previous one.
    batches = [
        [TagUpdate(names[(b * batch + i) % n_tags], float(b // per_pass + i), good, 0.0) for i in range(batch)] for b in range(2 * per_pass)
    ]
    published = 0
    start = time.perf_counter()
    deadline = start + seconds
    k = 0
    while time.perf_counter() < deadline:
        store.update(batches[k % len(batches)])
        published += batch
        k += 1
        await asyncio.sleep(0)  # let the consumers run: the rate includes their work
    while any(s.pending for s in subs):
        await asyncio.sleep(0)
    elapsed = time.perf_counter() - start
    for s in subs:
        s.close()
    await asyncio.gather(*consumers)
    dropped = sum(s.dropped for s in subs)
    delivered = sum(c[0] for c in counters)
    expected = published * (2 if patterns == ("*", "*") else 1)  # "E0*"/"E1*" split the tags
    if dropped or delivered != expected:
        raise SystemExit(f"lost samples: dropped={dropped} delivered={delivered} expected={expected}")
    return published / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--tags", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core, as the target says
    rate = asyncio.run(run(args.seconds, args.tags, args.batch, ("*", "*")))
    print(f"BENCH tagbus_updates_per_s {rate:.0f} updates/s")
    routed = asyncio.run(run(args.seconds, args.tags, args.batch, ("E0*", "E1*")))
    print(f"BENCH tagbus_routed_updates_per_s {routed:.0f} updates/s")


if __name__ == "__main__":
    main()
