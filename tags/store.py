"""The tag store: the one place that creates tag values.

Producers (drivers, the simulator, video checks) hand it ``TagUpdate``s in batches; the store
stamps the server time, keeps the latest ``TagValue`` per tag, and publishes on the bus — a
*change* when the value or the quality differs from the last one, a *repeat* otherwise.
It runs in the event loop; a producer in another thread must hand over with
``loop.call_soon_threadsafe(store.update, batch)``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, KeysView

from tags.bus import TagBus
from tags.quality import Quality
from tags.value import TagUpdate, TagValue

log = logging.getLogger(__name__)

Clock = Callable[[], float]


class UnknownTagError(KeyError):
    """A tag name that is not in the configuration."""

    def __str__(self) -> str:
        return f"unknown tag {self.args[0]!r}: it is not defined in the configuration"


class TagStore:
    """Latest value of every defined tag; the only publisher on the tag bus."""

    def __init__(self, bus: TagBus, clock: Clock = time.time) -> None:
        self.bus = bus
        self._clock = clock
        self._values: dict[str, TagValue] = {}
        self.unknown_updates = 0
        self._unknown_logged: set[str] = set()

    def define(self, tags: Iterable[str]) -> None:
        """Register tags; each starts as Bad_WaitingForInitialData until its first sample."""
        now = self._clock()
        new = [t for t in tags if t not in self._values]
        for tag in new:
            self._values[tag] = TagValue(tag, None, Quality.BAD_WAITING_FOR_INITIAL_DATA, now, now)
        self.bus.add_tags(new)

    def update(self, updates: Iterable[TagUpdate]) -> None:
        """Accept a batch of samples. Never raises for bad input: unknown tags are counted."""
        now = self._clock()
        values = self._values
        changed: list[TagValue] = []
        repeated: list[TagValue] = []
        for tag, value, quality, source_time in updates:
            prev = values.get(tag)
            if prev is None:
                self._count_unknown(tag)
                continue
            current = TagValue(tag, value, quality, source_time, now)
            values[tag] = current
            if prev[1] == value and prev[2] == quality:
                repeated.append(current)
            else:
                changed.append(current)
        self.bus.publish(changed, repeated)

    def _count_unknown(self, tag: str) -> None:
        self.unknown_updates += 1
        if tag not in self._unknown_logged and len(self._unknown_logged) < 1000:
            self._unknown_logged.add(tag)
            log.warning("ignoring samples for unknown tag %r (not in the configuration)", tag)

    def get(self, tag: str) -> TagValue:
        try:
            return self._values[tag]
        except KeyError:
            raise UnknownTagError(tag) from None

    def snapshot(self, tags: Iterable[str] | None = None) -> dict[str, TagValue]:
        """A copy of the latest values (all, or the given tags)."""
        if tags is None:
            return dict(self._values)
        return {t: self.get(t) for t in tags}

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, tag: object) -> bool:
        return tag in self._values

    @property
    def defined(self) -> KeysView[str]:
        """The defined tags, a live view: ``tag in store.defined`` without a method call (hot paths)."""
        return self._values.keys()
