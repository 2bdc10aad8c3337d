"""Alarm engine: the demo plant's full rule set (limits, bad PV, rate, deviation, discrete, no-update,
health, compound) at rising update rates, on one core, through the real tag store and bus.

For each offered rate: point updates evaluated per second, and the latency from a value crossing a
limit (``TagStore.update``) to the alarm event reaching a subscriber, beyond the point's configured
on-delay (p50 / p99). The journal is written to a SQLite file as in production. Also measures the
two paths the design separates: a plain Python limit check vs. a durable-rules fact.

    python bench/alarms.py [--seconds 5] [--rates 10000,25000,50000,100000,0]   (0 = flat out)

Prints ``BENCH alarm_updates_per_s`` (flat out) and ``BENCH alarm_latency_p99_ms`` (at 50,000/s).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from rules.compound import CompoundEngine  # noqa: E402
from rules.config import CompoundRule, load_alarm_config  # noqa: E402
from rules.engine import AlarmEngine  # noqa: E402
from rules.limits import Limits  # noqa: E402
from scada.config import load_plant  # noqa: E402
from scada.drivers.acquisition import health_tags  # noqa: E402
from scada.store import connect, upgrade  # noqa: E402
from tags import Quality, TagBus, TagStore, TagUpdate  # noqa: E402

GOOD = int(Quality.GOOD)


def normal_value(p) -> float:  # type: ignore[no-untyped-def]
    t = p.point.thresholds
    lo = t.low if t.low is not None else t.low_low if t.low_low is not None else p.point.range[0]
    hi = t.high if t.high is not None else t.high_high if t.high_high is not None else p.point.range[1]
    return (lo + hi) / 2


async def run(rate: int, seconds: float, plant, cfg, db_url: str) -> tuple[float, list[float]]:  # type: ignore[no-untyped-def]
    bus = TagBus()
    store = TagStore(bus)
    store.define([p.tag for p in plant.points] + health_tags(plant))
    db = connect(db_url)
    upgrade(db)
    engine = AlarmEngine(plant, cfg, bus, db)
    await engine.start()
    sub = engine.subscribe()
    # Crossing points: gas detectors (on-delay 2 s) and high-level switches (none); kept out of the background stream.
    crossers = [p for p in plant.points if p.point.key in ("GT1", "LSHH")][:40]
    crossing = {p.tag for p in crossers}
    stream = [p for p in plant.points if p.tag not in crossing and p.point.kind != "other"]
    base = {p.tag: normal_value(p) for p in stream}
    sent: dict[str, tuple[float, float]] = {}  # alarm id → (perf time of the crossing, on-delay)
    latencies: list[float] = []

    async def listen() -> None:
        async for e in sub:
            start = sent.pop(e.alarm_id, None)
            if start is not None and e.transition == "activated":
                latencies.append(time.perf_counter() - start[0] - start[1])

    listener = asyncio.create_task(listen())
    batch_size = 500
    pending_reset: list[tuple[float, str, object]] = []
    n = 0
    k = 0
    ev0 = engine.evaluations
    t0 = time.perf_counter()
    deadline = t0 + seconds
    next_cross = t0
    while (now := time.perf_counter()) < deadline:
        if rate and n > (now - t0) * rate:
            await asyncio.sleep(0.001)
            continue
        k += 1
        jitter = 0.001 * (k % 7)
        batch = [TagUpdate(p.tag, base[p.tag] + jitter, GOOD, time.time()) for p in random.sample(stream, min(batch_size, len(stream)))]
        if now >= next_cross:
            next_cross = now + 0.05
            p = random.choice(crossers)
            alarm_kind = "discrete" if p.point.key == "LSHH" else "limit"
            alarm_id = f"{p.tag}:{alarm_kind}"
            if alarm_id not in sent and not engine.table.state(alarm_id).active:
                high = True if alarm_kind == "discrete" else (p.point.thresholds.high or 0) + 5
                sent[alarm_id] = (time.perf_counter(), 0.0 if alarm_kind == "discrete" else p.point.on_delay_s)
                batch.append(TagUpdate(p.tag, high, GOOD, time.time()))
                pending_reset.append((now + 3, p.tag, False if alarm_kind == "discrete" else 0.0))
        while pending_reset and pending_reset[0][0] <= now:
            _, tag, low = pending_reset.pop(0)
            batch.append(TagUpdate(tag, low, GOOD, time.time()))
        store.update(batch)
        n += len(batch)
        await asyncio.sleep(0)
    while any(s.pending for s in bus.subscriptions):
        await asyncio.sleep(0.001)
    elapsed = time.perf_counter() - t0
    evaluated = engine.evaluations - ev0
    dropped = sum(s.conflated for s in bus.subscriptions)
    sub.close()
    await listener
    await engine.stop()
    db.dispose()
    offered = f"{rate:,}/s" if rate else "flat out"
    p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
    p99 = statistics.quantiles(latencies, n=100)[98] * 1000 if len(latencies) >= 2 else float("nan")
    print(
        f"offered {offered:>12}: {evaluated / elapsed:>9,.0f} updates/s evaluated ({dropped} conflated), "
        f"alarm latency beyond on-delay p50 {p50:.1f} ms p99 {p99:.1f} ms over {len(latencies)} crossings"
    )
    return evaluated / elapsed, latencies


def split_costs(plant) -> None:  # type: ignore[no-untyped-def]
    """Where the line is: a Python limit check vs. a durable-rules fact (assert + retract)."""
    limits = [Limits(p.point.thresholds, p.point.deadband) for p in plant.points if p.point.thresholds.high is not None]
    values = [random.uniform(0, 100) for _ in range(1000)]
    t = time.perf_counter()
    count = 0
    for _ in range(200):
        for lim, v in zip(limits, values, strict=False):
            lim.level(v, None)
            count += 1
    checks = count / (time.perf_counter() - t)
    rule = CompoundRule(
        id="r",
        name="r",
        priority="critical",
        all=[{"kind": "limit", "point_kind": "combustible_gas"}, {"kind": "rate", "point_kind": "level"}],
    )
    ce = CompoundEngine([rule])
    t = time.perf_counter()
    for i in range(5000):
        ce.update(f"a{i}", {"kind": "limit", "point_kind": "combustible_gas", "hs": f"H{i % 50}", "hs_kind": "tank_farm", "level": "high"})
        ce.update(f"a{i}", None)
    facts = 10000 / (time.perf_counter() - t)
    print(f"BENCH alarm_limit_checks_per_s {checks:.0f} checks/s")
    print(f"BENCH alarm_durable_facts_per_s {facts:.0f} facts/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rates", default="10000,25000,50000,100000,0")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    random.seed(1)
    plant = load_plant(ROOT / "config")
    cfg = load_alarm_config(ROOT / "config", plant)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i, rate in enumerate(int(r) for r in args.rates.split(",")):
            results[rate] = asyncio.run(run(rate, args.seconds, plant, cfg, f"sqlite:///{tmp}/alarms{i}.db"))
    split_costs(plant)
    if 0 in results:
        print(f"BENCH alarm_updates_per_s {results[0][0]:.0f} updates/s")
    at = 50000 if 50000 in results else max(results)
    lat = results[at][1]
    if len(lat) >= 2:
        print(f"BENCH alarm_latency_p99_ms {statistics.quantiles(lat, n=100)[98] * 1000:.1f} ms")


if __name__ == "__main__":
    main()
