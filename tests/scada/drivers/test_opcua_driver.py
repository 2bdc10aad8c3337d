"""The OPC UA driver against the simulator's asyncua server over loopback."""

from __future__ import annotations

import asyncio

from rig import Rig, wait_for

from tags import Quality
from tags.quality import is_good

LT, TT = "T01.EQ3.LT", "T01.EQ3.TT"


async def test_values_arrive_with_server_status_and_source_time(small_plant) -> None:
    async with Rig(small_plant) as rig:
        await wait_for(lambda: is_good(rig.store.get(LT).quality) and is_good(rig.store.get(TT).quality), what="UA points Good")
        value = rig.store.get(LT)
        assert 0 <= value.value <= 20 and value.source_time <= value.server_time + 0.5
        assert rig.store.get("T01._device.UA1.online").value is True
        # TT has no deadband: asyncua's *server* crashes evaluating a deadband on a bad-status value.
        rig.sim.inject_point(TT, "bad_status")
        await wait_for(lambda: rig.store.get(TT).quality == Quality.BAD_SENSOR_FAILURE, what="server's bad status")
        assert rig.store.get(TT).value is not None  # the last good value stays, marked with the server's status
        rig.sim.inject_point(LT, "spike")
        await wait_for(lambda: rig.store.get(LT).quality == Quality.GOOD and rig.store.get(LT).value > 16, what="spike above high")


async def test_every_monitored_item_maps_to_its_own_point(demo_plant) -> None:
    # Regression: client handles once collided across scan classes and values landed on other tags.
    ua_points = [p for p in demo_plant.points if p.device.protocol == "opcua"]
    async with Rig(demo_plant, sim_clock=lambda: 5_000.0) as rig:
        await wait_for(lambda: all(is_good(rig.store.get(p.tag).quality) for p in ua_points), what="every OPC UA point Good")
        for p in ua_points:
            assert rig.store.get(p.tag).value == rig.sim.signals[p.tag].value(5_000.0), p.tag


async def test_server_restart_is_survived_with_subscriptions_restored(small_plant) -> None:
    async with Rig(small_plant) as rig:
        driver = rig.driver("UA1")
        await wait_for(lambda: is_good(rig.store.get(LT).quality), what="Good")
        await rig.sim.set_device_fault("T01.UA1", "offline")
        await wait_for(lambda: rig.store.get(LT).quality == Quality.BAD_NO_COMMUNICATION, what="Bad after server stop", timeout=15)
        assert rig.store.get("T01._device.UA1.online").value is False
        await rig.sim.set_device_fault("T01.UA1", "online")
        await wait_for(lambda: is_good(rig.store.get(LT).quality), what="recovered", timeout=20)
        assert driver.sessions >= 2
        rig.sim.inject_point(LT, "out_of_range")  # new changes flow through the new subscription
        await wait_for(lambda: rig.store.get(LT).quality == Quality.BAD_OUT_OF_RANGE, what="changes after restart")
        await asyncio.sleep(0)
