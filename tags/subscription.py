"""One consumer's bounded inbox on the tag bus, and its overflow policy.

The publisher (a driver, via the tag store) must never wait for a consumer. Each subscription
therefore has a bounded inbox and a policy for when the consumer falls behind:

* ``DROP_OLDEST`` — a FIFO of at most ``maxlen`` values; on overflow the oldest are discarded
  and counted in ``dropped``. For consumers that want every sample while they keep up
  (historian, exporters) and must never stall acquisition when they do not.
* ``CONFLATE`` — the latest value per tag; an overwritten value is counted in ``conflated``.
  Bounded by the number of subscribed tags, so the latest state of every tag always arrives.
  For consumers that care about current state (rules, HMI).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from enum import Enum

from tags.patterns import TagPattern
from tags.value import TagValue


class OverflowPolicy(Enum):
    DROP_OLDEST = "drop_oldest"
    CONFLATE = "conflate"


class Delivery(Enum):
    """Which events a subscription receives (Home Assistant's state_changed vs. state_reported)."""

    CHANGED = "changed"  # a new value or quality
    ALL = "all"  # also repeats of the same value and quality (a historian heartbeat wants them)


class Subscription:
    """A bounded inbox; read it with ``await get_batch()`` or ``async for batch in sub``."""

    __slots__ = (
        "_closed",
        "_event",
        "_fifo",
        "_latest",
        "_on_close",
        "conflated",
        "delivered",
        "delivery",
        "dropped",
        "maxlen",
        "name",
        "pattern",
        "policy",
    )

    def __init__(
        self,
        name: str,
        pattern: TagPattern,
        policy: OverflowPolicy,
        delivery: Delivery,
        maxlen: int,
        on_close: Callable[[Subscription], None],
    ) -> None:
        if maxlen < 1:
            raise ValueError(f"subscription {name!r}: maxlen must be at least 1, not {maxlen}")
        self.name = name
        self.pattern = pattern
        self.policy = policy
        self.delivery = delivery
        self.maxlen = maxlen
        self.dropped = 0
        self.conflated = 0
        self.delivered = 0
        self._fifo: deque[TagValue] = deque(maxlen=maxlen)
        self._latest: dict[str, TagValue] = {}
        self._event = asyncio.Event()
        self._closed = False
        self._on_close = on_close

    # -- publisher side (event loop only, never awaits) ---------------------------------------

    def offer(self, value: TagValue) -> None:
        if self.policy is OverflowPolicy.CONFLATE:
            latest = self._latest
            if value.tag in latest:
                self.conflated += 1
                del latest[value.tag]  # re-insert so delivery order follows arrival order
            latest[value.tag] = value
        else:
            if len(self._fifo) == self.maxlen:
                self.dropped += 1
            self._fifo.append(value)

    def offer_batch(self, values: Sequence[TagValue]) -> None:
        if self.policy is OverflowPolicy.CONFLATE:
            for value in values:
                self.offer(value)
            return
        overflow = len(self._fifo) + len(values) - self.maxlen
        if overflow > 0:
            self.dropped += overflow
        self._fifo.extend(values)

    def wake(self) -> None:
        self._event.set()

    # -- consumer side -------------------------------------------------------------------------

    @property
    def pending(self) -> int:
        return len(self._latest) if self.policy is OverflowPolicy.CONFLATE else len(self._fifo)

    def take(self) -> list[TagValue]:
        """Everything waiting now, oldest first, without waiting."""
        if self.policy is OverflowPolicy.CONFLATE:
            batch = list(self._latest.values())
            self._latest.clear()
        else:
            batch = list(self._fifo)
            self._fifo.clear()
        self._event.clear()
        self.delivered += len(batch)
        return batch

    async def get_batch(self) -> list[TagValue]:
        """Wait until something is waiting, then take it all. Empty list once closed."""
        while not self.pending:
            if self._closed:
                return []
            await self._event.wait()
            self._event.clear()
        return self.take()

    def __aiter__(self) -> Subscription:
        return self

    async def __anext__(self) -> list[TagValue]:
        batch = await self.get_batch()
        if not batch and self._closed:
            raise StopAsyncIteration
        return batch

    def close(self) -> None:
        """Unsubscribe; a waiting consumer wakes up and ends its loop."""
        if not self._closed:
            self._closed = True
            self._on_close(self)
            self._event.set()

    @property
    def closed(self) -> bool:
        return self._closed

    def stats(self) -> dict[str, int | str]:
        return {
            "name": self.name,
            "policy": self.policy.value,
            "pending": self.pending,
            "delivered": self.delivered,
            "dropped": self.dropped,
            "conflated": self.conflated,
        }
