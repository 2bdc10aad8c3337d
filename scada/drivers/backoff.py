"""Reconnect delays: exponential backoff with full jitter, capped.

Jitter spreads the reconnects of many devices that failed together (a switch reboot) so they do
not hammer the network in lock-step. The random source is injectable for tests.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable


def raise_if_cancelled() -> None:
    """Re-raise a cancellation that a library swallowed (pymodbus turns it into an I/O error).

    Without this a cancelled driver would carry on into its reconnect back-off and never stop.
    """
    task = asyncio.current_task()
    if task is not None and task.cancelling():
        raise asyncio.CancelledError


class Backoff:
    def __init__(
        self, initial_s: float = 0.5, maximum_s: float = 30.0, factor: float = 2.0, rand: Callable[[], float] = random.random
    ) -> None:
        self.initial_s = initial_s
        self.maximum_s = maximum_s
        self.factor = factor
        self._rand = rand
        self.attempts = 0

    def next_delay(self) -> float:
        """Delay before the next attempt: uniform in [ceiling/2, ceiling], ceiling growing exponentially."""
        ceiling = min(self.maximum_s, self.initial_s * self.factor**self.attempts)
        self.attempts += 1
        return ceiling * (0.5 + 0.5 * self._rand())

    def reset(self) -> None:
        self.attempts = 0
