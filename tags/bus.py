"""The in-process tag bus: routes tag values from the tag store to subscribers.

Design for the hot path (tens of thousands of samples a second):
* subscriptions are resolved against the tag catalogue when they are made (and when a tag is
  defined), into a per-tag routing table — publishing is one dict lookup per sample, and a
  subscriber to every tag (``*``) receives whole batches without any per-sample routing;
* publishing never awaits and never raises into the producer: inboxes are bounded
  (see ``tags.subscription``) and each consumer runs in its own task;
* every subscribe returns a handle whose ``close()`` unsubscribes.

Only ``TagStore`` publishes; consumers never publish back (values flow one way).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tags.patterns import TagPattern
from tags.subscription import Delivery, OverflowPolicy, Subscription
from tags.value import TagValue

DEFAULT_MAXLEN = 100_000

__all__ = ["Delivery", "OverflowPolicy", "Subscription", "TagBus"]


class _Routes:
    """Subscribers of one delivery kind: whole-batch ones and a per-tag table for the rest."""

    __slots__ = ("by_tag", "everything", "routed")

    def __init__(self) -> None:
        self.everything: list[Subscription] = []
        self.routed: list[Subscription] = []
        self.by_tag: dict[str, list[Subscription]] = {}

    def add(self, sub: Subscription, tags: Iterable[str]) -> None:
        if sub.pattern.matches_all:
            self.everything.append(sub)
            return
        self.routed.append(sub)
        for tag in tags:
            if sub.pattern.match(tag):
                self.by_tag.setdefault(tag, []).append(sub)

    def add_tag(self, tag: str, subs: Iterable[Subscription]) -> None:
        matching = [s for s in subs if not s.pattern.matches_all and s.pattern.match(tag)]
        if matching:
            self.by_tag[tag] = matching

    def remove(self, sub: Subscription) -> None:
        for members in (self.everything, self.routed):
            if sub in members:
                members.remove(sub)
        for tag in [t for t, subs in self.by_tag.items() if sub in subs]:
            self.by_tag[tag].remove(sub)
            if not self.by_tag[tag]:
                del self.by_tag[tag]

    def deliver(self, values: Sequence[TagValue]) -> None:
        for sub in self.everything:
            sub.offer_batch(values)
            sub.wake()
        by_tag = self.by_tag
        if not by_tag:
            return
        for value in values:
            subs = by_tag.get(value.tag)
            if subs:
                for sub in subs:
                    sub.offer(value)
        # Waking once per batch, not per sample: routed subscribers are few, samples many.
        for sub in self.routed:
            if sub.pending:
                sub.wake()


class TagBus:
    """Pattern subscriptions with bounded inboxes; see the module docstring for the contract."""

    def __init__(self) -> None:
        self._tags: set[str] = set()
        self._subs: list[Subscription] = []
        self._changed = _Routes()  # receives changes only
        self._all = _Routes()  # receives changes and repeats

    # -- catalogue -----------------------------------------------------------------------------

    def add_tags(self, tags: Iterable[str]) -> None:
        """Make tags routable; existing subscriptions whose pattern matches start receiving them."""
        for tag in tags:
            if tag in self._tags:
                continue
            self._tags.add(tag)
            self._changed.add_tag(tag, self._subs)
            self._all.add_tag(tag, (s for s in self._subs if s.delivery is Delivery.ALL))

    # -- subscribers ---------------------------------------------------------------------------

    def subscribe(
        self,
        name: str,
        pattern: str | Iterable[str] = "*",
        *,
        policy: OverflowPolicy = OverflowPolicy.DROP_OLDEST,
        delivery: Delivery = Delivery.CHANGED,
        maxlen: int = DEFAULT_MAXLEN,
    ) -> Subscription:
        sub = Subscription(name, TagPattern(pattern), policy, delivery, maxlen, self._remove)
        self._subs.append(sub)
        # A repeat-receiving subscriber sees changes too, so it lives in both tables.
        self._changed.add(sub, self._tags)
        if delivery is Delivery.ALL:
            self._all.add(sub, self._tags)
        return sub

    def _remove(self, sub: Subscription) -> None:
        if sub in self._subs:
            self._subs.remove(sub)
            self._changed.remove(sub)
            self._all.remove(sub)

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        return tuple(self._subs)

    def stats(self) -> list[dict[str, int | str]]:
        """Per-subscriber counters (pending, delivered, dropped, conflated) for health screens."""
        return [s.stats() for s in self._subs]

    # -- publisher (TagStore only) -------------------------------------------------------------

    def publish(self, changed: Sequence[TagValue], repeated: Sequence[TagValue] = ()) -> None:
        if changed:
            self._changed.deliver(changed)
        if repeated:
            self._all.deliver(repeated)
