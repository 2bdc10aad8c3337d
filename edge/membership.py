"""Which central worker handles which enterprise: rendezvous hashing over the live workers.

Each worker announces itself with a retained message on ``{prefix}/_workers/{id}`` and leaves a
last will that clears it, so the broker itself holds the membership: a killed worker's TCP
connection drops, the broker publishes its will at once, and every worker recomputes. Every
worker computes the same owner for an enterprise — the worker with the highest hash of
(worker, enterprise) — so no coordination is needed, and a change of membership moves only the
enterprises of the worker that came or went.

Why not MQTT shared subscriptions: Mosquitto 2.0 hands each *message* to any member of the
share group, so one enterprise's batches would be processed by several workers out of order, and
messages in flight to a subscriber that dies are not redelivered to the others.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Callable, Iterable

log = logging.getLogger(__name__)


def _score(worker: str, enterprise: str) -> bytes:
    return hashlib.blake2b(f"{worker}\x00{enterprise}".encode(), digest_size=8).digest()


def owner(enterprise: str, workers: Iterable[str]) -> str | None:
    return max(workers, key=lambda w: _score(w, enterprise), default=None)


def assign(enterprises: Iterable[str], workers: Iterable[str]) -> dict[str, set[str]]:
    """Worker → its enterprises."""
    ws = sorted(set(workers))
    out: dict[str, set[str]] = {w: set() for w in ws}
    for e in enterprises:
        o = owner(e, ws)
        if o is not None:
            out[o].add(e)
    return out


class Membership:
    """Live workers as seen in the retained announcements; ``mine`` is this worker's share."""

    def __init__(self, worker_id: str, enterprises: Iterable[str], on_change: Callable[[set[str], set[str]], None]) -> None:
        self.worker_id = worker_id
        self.enterprises = sorted(set(enterprises))
        self.workers: set[str] = {worker_id}
        self.mine: set[str] = set()
        self._on_change = on_change  # (gained, lost)

    def announcement(self) -> bytes:
        return json.dumps({"worker": self.worker_id}).encode()

    def seen(self, worker: str, alive: bool) -> None:
        """A retained announcement (alive) or its clearing (a will or a clean stop) arrived."""
        if worker == self.worker_id:
            return  # we are alive for as long as we run, whatever an old retained message says
        before = set(self.workers)
        (self.workers.add if alive else self.workers.discard)(worker)
        if self.workers != before:
            log.info("central workers changed", extra={"ctx": {"workers": sorted(self.workers)}})
            self.rebalance()

    def rebalance(self) -> None:
        mine = {e for e in self.enterprises if owner(e, self.workers) == self.worker_id}
        gained, lost = mine - self.mine, self.mine - mine
        self.mine = mine
        if gained or lost:
            log.info("enterprises reassigned", extra={"ctx": {"mine": len(mine), "gained": len(gained), "lost": len(lost)}})
            self._on_change(gained, lost)
