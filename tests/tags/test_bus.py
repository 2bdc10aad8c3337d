"""Tag store and bus: change vs repeat, routing by pattern, overflow policies, unsubscribe."""

from __future__ import annotations

import asyncio

import pytest

from tags import Delivery, OverflowPolicy, Quality, TagBus, TagStore, TagUpdate, UnknownTagError

GOOD = Quality.GOOD


class FakeClock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def make(tags=("E01.T101.LT", "E01.T101.TT", "E02.A101.PT")) -> tuple[TagBus, TagStore, FakeClock]:
    clock = FakeClock()
    bus = TagBus()
    store = TagStore(bus, clock)
    store.define(tags)
    return bus, store, clock


def test_defined_tags_wait_for_initial_data() -> None:
    _, store, _ = make()
    value = store.get("E01.T101.LT")
    assert value.value is None and value.quality == Quality.BAD_WAITING_FOR_INITIAL_DATA
    with pytest.raises(UnknownTagError, match="not defined in the configuration"):
        store.get("E99.X.Y")


async def test_change_and_repeat_are_separated() -> None:
    bus, store, clock = make()
    changes = bus.subscribe("rules", "*")
    everything = bus.subscribe("historian", "*", delivery=Delivery.ALL)
    store.update([TagUpdate("E01.T101.LT", 5.0, GOOD, 999.0)])
    clock.now = 1001.0
    store.update([TagUpdate("E01.T101.LT", 5.0, GOOD, 1000.5)])  # same value and quality: a repeat
    store.update([TagUpdate("E01.T101.LT", 5.0, Quality.UNCERTAIN_LAST_USABLE_VALUE, 1000.6)])  # quality change
    got = await asyncio.wait_for(changes.get_batch(), 1)
    assert [(v.value, v.quality) for v in got] == [(5.0, GOOD), (5.0, Quality.UNCERTAIN_LAST_USABLE_VALUE)]
    all_values = everything.take()
    assert [v.source_time for v in all_values] == [999.0, 1000.5, 1000.6]
    assert all_values[1].server_time == 1001.0  # the store stamps the server time
    assert store.get("E01.T101.LT").quality == Quality.UNCERTAIN_LAST_USABLE_VALUE


async def test_patterns_route_only_matching_tags_including_tags_defined_later() -> None:
    bus, store, _ = make()
    e01 = bus.subscribe("e01", "E01.*")
    levels = bus.subscribe("levels", ["*.LT", "*.LT2"])
    store.define(["E01.T102.LT"])  # defined after subscribing
    store.update([TagUpdate(t, 1.0, GOOD, 0.0) for t in ("E01.T101.LT", "E01.T101.TT", "E02.A101.PT", "E01.T102.LT")])
    assert [v.tag for v in e01.take()] == ["E01.T101.LT", "E01.T101.TT", "E01.T102.LT"]
    assert [v.tag for v in levels.take()] == ["E01.T101.LT", "E01.T102.LT"]


def test_unknown_tags_are_counted_not_raised() -> None:
    bus, store, _ = make()
    sub = bus.subscribe("all", "*")
    store.update([TagUpdate("nope", 1.0, GOOD, 0.0), TagUpdate("E01.T101.LT", 2.0, GOOD, 0.0)])
    assert store.unknown_updates == 1
    assert [v.tag for v in sub.take()] == ["E01.T101.LT"]


def test_drop_oldest_keeps_the_newest_and_counts_drops() -> None:
    bus, store, _ = make()
    fifo = bus.subscribe("slow", "*", maxlen=3)
    routed = bus.subscribe("slow-routed", "E01.T101.LT", maxlen=2)
    for i in range(5):
        store.update([TagUpdate("E01.T101.LT", float(i), GOOD, 0.0)])
    assert [v.value for v in fifo.take()] == [2.0, 3.0, 4.0]
    assert fifo.dropped == 2
    assert [v.value for v in routed.take()] == [3.0, 4.0]
    assert routed.dropped == 3
    assert {s["name"]: s["dropped"] for s in bus.stats()} == {"slow": 2, "slow-routed": 3}


def test_conflate_keeps_latest_value_per_tag() -> None:
    bus, store, _ = make()
    sub = bus.subscribe("hmi", "*", policy=OverflowPolicy.CONFLATE)
    store.update([TagUpdate("E01.T101.LT", 1.0, GOOD, 0.0), TagUpdate("E01.T101.TT", 20.0, GOOD, 0.0)])
    store.update([TagUpdate("E01.T101.LT", 2.0, GOOD, 0.0)])
    got = sub.take()
    assert [(v.tag, v.value) for v in got] == [("E01.T101.TT", 20.0), ("E01.T101.LT", 2.0)]
    assert sub.conflated == 1 and sub.dropped == 0


async def test_close_unsubscribes_and_wakes_the_consumer() -> None:
    bus, store, _ = make()
    sub = bus.subscribe("x", "E01.*")
    consumer = asyncio.create_task(sub.get_batch())
    await asyncio.sleep(0)
    sub.close()
    assert await asyncio.wait_for(consumer, 1) == []
    store.update([TagUpdate("E01.T101.LT", 1.0, GOOD, 0.0)])
    assert sub.pending == 0 and bus.subscriptions == ()


async def test_async_iteration_delivers_batches_until_closed() -> None:
    bus, store, _ = make()
    sub = bus.subscribe("iter", "*")
    received: list[float] = []

    async def consume() -> None:
        async for batch in sub:
            received.extend(v.value for v in batch)

    task = asyncio.create_task(consume())
    for i in range(3):
        store.update([TagUpdate("E01.T101.LT", float(i), GOOD, 0.0)])
        await asyncio.sleep(0.01)
    sub.close()
    await asyncio.wait_for(task, 1)
    assert received == [0.0, 1.0, 2.0]


def test_a_subscription_needs_a_sane_size() -> None:
    with pytest.raises(ValueError, match="maxlen must be at least 1"):
        TagBus().subscribe("bad", "*", maxlen=0)
