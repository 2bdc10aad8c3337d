"""Risk evaluation of a synthetic 500-enterprise city: the server's whole minute round.

The demo plant's eight enterprises are cloned into N enterprises (≈80 points each, spread over
the five districts and the park) and given a random alarm history over the last 30 minutes in
a real store (SQLite file by default, or ``--database-url``). One round is what the server does
every minute: read the alarm records of the window, compute every enterprise's indicators,
scores, band and matrix cell, store every evaluation with its breakdown and act on the level
changes (open / close / escalate warnings with their pushes, tasks and timers). The history
evolves minute by minute: ~20 % of enterprises disturbed, 2 % changing state each minute.

    python bench/risk.py [--enterprises 500] [--rounds 5] [--database-url URL]

Prints ``BENCH risk_eval_500_enterprises_s`` (the slowest minute round once running; the target
is < 2 s) and ``BENCH risk_first_round_500_enterprises_s`` (the very first round, when every
enterprise's level is new and every yellow-or-worse one opens a warning at once).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine, insert  # noqa: E402

from risk.config import load_risk_config  # noqa: E402
from risk.scope import Scope  # noqa: E402
from risk.service import RiskService  # noqa: E402
from rules.config import KpiSettings  # noqa: E402
from rules.events import AlarmRecord  # noqa: E402
from rules.journal import _record_row  # noqa: E402  (the journal's own row shape)
from scada.config import Plant, load_plant  # noqa: E402
from scada.store import connect, upgrade  # noqa: E402
from scada.store.tables import alarm_records  # noqa: E402

DISTRICTS = ("FS", "DX", "SY", "TZ", "JK")


def city(n: int) -> Plant:
    demo = load_plant(ROOT / "config")
    ents = []
    for i in range(n):
        src = demo.enterprises[i % len(demo.enterprises)]
        district = DISTRICTS[i % len(DISTRICTS)]
        park = "YS" if district == "FS" and i % 2 == 0 else None
        ent = src.enterprise.model_copy(
            update={"code": f"C{i:03d}", "name": f"{src.enterprise.name}{i}", "district": district, "park": park}
        )
        ents.append(src.model_copy(update={"enterprise": ent}))
    return Plant(demo.site, demo.templates, tuple(ents))


class History:
    """A journal that evolves minute by minute: most enterprises calm, some disturbed, a few changing state each minute."""

    def __init__(self, plant: Plant, rng: random.Random) -> None:
        self.rng = rng
        self.tags: dict[str, list[str]] = {}
        for p in plant.points:
            self.tags.setdefault(p.enterprise.code, []).append(p.tag)
        self.disturbed = {e: rng.random() < 0.2 for e in self.tags}
        self.records: list[AlarmRecord] = []
        self.next_id = 1

    def minute(self, now: float) -> None:
        rng = self.rng
        for e in self.tags:
            if rng.random() < 0.02:
                self.disturbed[e] = not self.disturbed[e]
        kept = []
        for r in self.records:  # open alarms clear now and then; records older than 2 h leave the working set
            if r.clear_at is None and rng.random() < (0.1 if self.disturbed[r.enterprise] else 0.4):
                r = replace(r, clear_at=now - rng.uniform(0, 60), current_status=None)
            if r.clear_at is None or r.clear_at > now - 7200:
                kept.append(r)
        self.records = kept
        for e, tags in self.tags.items():
            n = rng.randint(1, 4) if self.disturbed[e] else (1 if rng.random() < 0.05 else 0)
            for _ in range(n):
                tag, start = rng.choice(tags[:12]), now - rng.uniform(0, 60)  # a few bad actors repeat
                self.records.append(
                    AlarmRecord(
                        self.next_id,
                        f"{tag}:limit",
                        tag,
                        "limit",
                        e,
                        "",
                        "medium",
                        "high",
                        "high",
                        "high",
                        start,
                        1.0,
                        1.0,
                        start,
                        1.0,
                        1.0,
                    )
                )
                self.next_id += 1

    def store(self, engine: Engine) -> None:
        with engine.begin() as conn:
            conn.execute(alarm_records.delete())
            conn.execute(insert(alarm_records), [{**_record_row(x), "id": x.id} for x in self.records])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--enterprises", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--database-url", default="")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'scada.db'}"
        engine = connect(url)
        upgrade(engine)
        t0 = time.perf_counter()
        plant = city(args.enterprises)
        now = time.time()
        clock = lambda: now  # noqa: E731
        svc = RiskService(plant, load_risk_config(ROOT / "config", plant), KpiSettings(), engine, clock)
        setup = time.perf_counter() - t0
        hist = History(plant, random.Random(7))
        for m in range(30):  # half an hour of history before the first evaluation
            hist.minute(now - (30 - m) * 60)
        times, changes = [], []
        for r in range(args.rounds + 1):
            hist.minute(now)
            hist.store(engine)
            t = time.perf_counter()
            evals = svc.evaluate(now)
            times.append(time.perf_counter() - t)
            changes.append(sum(e.changed for e in evals))
            opened = len(svc.api.warnings(Scope("city", "BJ"), status="open", limit=10_000))
            label = "first (every level is new)" if r == 0 else f"round {r}"
            figures = f"{changes[-1]} level changes, {opened} open warnings, {times[-1]:.3f} s"
            print(f"{label}: {len(evals)} enterprises, {len(hist.records)} alarm records, {figures}")
            now += 60
        engine.dispose()
    steady = times[1:]
    print(
        f"points {len(plant.points)}; setup (plant, GB 18218 grading, rules) {setup:.2f} s; median round {statistics.median(steady):.3f} s"
    )
    print(f"BENCH risk_first_round_{args.enterprises}_enterprises_s {times[0]:.3f} s")
    print(f"BENCH risk_eval_{args.enterprises}_enterprises_s {max(steady):.3f} s")


if __name__ == "__main__":
    main()
