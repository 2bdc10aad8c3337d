"""Device health episodes and day counts with a controlled clock; backoff growth and jitter."""

from __future__ import annotations

import asyncio
from datetime import date

from rig import Rig, wait_for

from scada.drivers.backoff import Backoff
from scada.drivers.health import DeviceHealth, GatewayHealth
from tags import TagUpdate
from tags.quality import is_good

DAY = date(2026, 11, 29)
MIDNIGHT = 1_795_910_400.0  # 2026-11-29T00:00:00Z


def test_offline_episodes_are_counted_per_day_and_edges_published_once() -> None:
    now = [MIDNIGHT - 600]  # 23:50 the day before
    published: list[TagUpdate] = []
    health = DeviceHealth("E01", "PLC1", published.extend, lambda: now[0])
    gateway = GatewayHealth("E01", published.extend, lambda: now[0])
    gateway.add(health)
    health.succeeded()
    health.failed("no response")
    health.failed("no response")  # no new edge
    now[0] = MIDNIGHT + 1200  # back at 00:20
    health.succeeded()
    now[0] = MIDNIGHT + 3600
    health.failed("cannot connect")
    now[0] = MIDNIGHT + 3600 + 90
    assert [(u.tag, u.value) for u in published] == [
        ("E01._device.PLC1.online", True),
        ("E01._gateway.online", True),
        ("E01._device.PLC1.online", False),
        ("E01._gateway.online", False),
        ("E01._device.PLC1.online", True),
        ("E01._gateway.online", True),
        ("E01._device.PLC1.online", False),
        ("E01._gateway.online", False),
    ]
    assert health.offline_count(DAY) == 1  # the first episode started the day before
    assert health.offline_seconds(DAY) == 1200 + 90  # the part of the first after midnight + the open one so far
    assert [e.reason for e in health.episodes] == ["no response", "cannot connect"]


def test_backoff_grows_to_its_cap_with_jitter() -> None:
    low = Backoff(0.5, 30.0, rand=lambda: 0.0)
    assert [low.next_delay() for _ in range(8)] == [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 15.0]
    high = Backoff(0.5, 30.0, rand=lambda: 1.0)
    assert [high.next_delay() for _ in range(3)] == [0.5, 1.0, 2.0]
    high.reset()
    assert high.next_delay() == 0.5


async def test_stopping_acquisition_is_prompt_while_polling_flat_out(small_plant) -> None:
    async with Rig(small_plant) as rig:
        await wait_for(lambda: is_good(rig.store.get("T01.EQ1.F32").quality), what="polling")
        await asyncio.wait_for(rig.acq.stop(), 3)  # a swallowed cancellation once left drivers in back-off
        assert all(t.done() for t in rig.acq._tasks) or rig.acq._tasks == []
