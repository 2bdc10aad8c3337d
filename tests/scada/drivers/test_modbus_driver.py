"""The Modbus driver against the project's simulator over loopback TCP (real pymodbus on both sides)."""

from __future__ import annotations

import asyncio
import logging

from rig import Rig, wait_for

from scada.drivers.modbus_codec import Codec
from tags import Quality
from tags.quality import is_good

FROZEN_AT = 1_000.0


def tags_of(rig: Rig, device: str) -> list[str]:
    return [p.tag for p in rig.plant.points if p.device.id == device]


async def test_every_type_and_order_round_trips_through_the_protocol(small_plant) -> None:
    async with Rig(small_plant, sim_clock=lambda: FROZEN_AT) as rig:
        tags = tags_of(rig, "P1")
        await wait_for(lambda: all(is_good(rig.store.get(t).quality) for t in tags), what="P1 points Good")
        for ref in (p for p in small_plant.points if p.device.id == "P1"):
            codec = Codec.for_source(ref.point.source)
            expected = codec.decode(codec.encode(rig.sim.signals[ref.tag].value(FROZEN_AT)))
            got = rig.store.get(ref.tag)
            assert got.value == expected, ref.tag
            assert got.quality == Quality.GOOD and got.source_time <= got.server_time
        assert rig.store.get("T01.EQ1.SCALED").value == rig.sim.signals["T01.EQ1.SCALED"].value(FROZEN_AT).__round__(3)


async def test_block_coalescing_issues_the_expected_requests(small_plant) -> None:
    async with Rig(small_plant) as rig:
        driver = rig.driver("P1")
        groups = {g.scan_class: g for g in driver.groups}
        # fast: 10 typed points in registers 0–51 with gaps of 0–2 (1 holding block), 1 input block, 1 coil block;
        # normal: the far point at register 300 alone.
        assert [(b.block.table, b.block.start, b.block.count) for b in groups["fast"].blocks] == [
            ("coil", 3, 1),
            ("holding", 0, 52),
            ("input", 0, 1),
        ]
        assert [(b.block.table, b.block.start) for b in groups["normal"].blocks] == [("holding", 300)]
        unit = rig.sim.modbus_servers[("127.0.0.1", driver.device.port)].units[1]
        await wait_for(lambda: driver.stats.points_read > 0, what="first poll")
        await rig.acq.stop()  # no background polling from here: only this poll's requests are counted
        assert await driver._connect()
        before = unit.requests
        assert await driver.poll_group(groups["fast"])
        assert unit.requests - before == 3  # counted by the server, not by the driver
        driver.close_connection()


async def test_a_stopped_device_goes_bad_and_offline_while_the_other_keeps_its_rate(small_plant) -> None:
    async with Rig(small_plant) as rig:
        p1_tags, p2 = tags_of(rig, "P1"), rig.driver("P2")
        await wait_for(lambda: all(is_good(rig.store.get(t).quality) for t in p1_tags), what="P1 Good")
        fast = 0.2
        await rig.sim.set_device_fault("T01.P1", "offline")
        took = await wait_for(lambda: rig.store.get("T01.EQ1.F32").quality == Quality.BAD_NO_COMMUNICATION, what="P1 Bad")
        # timeout 0.3 s × 2 attempts after at most one fast period: within two periods plus the timeouts
        assert took < 2 * fast + 2 * 0.3 + 0.3
        assert rig.store.get("T01._device.P1.online").value is False
        assert rig.store.get("T01.EQ1.F32").value is not None  # the last value is kept, marked Bad
        assert rig.store.get("T01._gateway.online").value is True  # P2 and UA1 are still up
        reads = p2.stats.points_read
        await asyncio.sleep(1.0)
        assert p2.stats.points_read - reads >= 4  # P2 polls every 0.2 s regardless of P1
        await rig.sim.set_device_fault("T01.P1", "online")
        await wait_for(lambda: is_good(rig.store.get("T01.EQ1.F32").quality), what="P1 recovered")
        assert rig.store.get("T01._device.P1.online").value is True
        health = rig.driver("P1").health
        assert len(health.episodes) == 1 and health.episodes[0].end is not None


async def test_a_restarted_server_is_recovered_without_restarting_the_driver(small_plant) -> None:
    async with Rig(small_plant) as rig:
        driver = rig.driver("P2")
        await wait_for(lambda: is_good(rig.store.get("T01.EQ2.LT").quality), what="P2 Good")
        server = rig.sim.modbus_servers[("127.0.0.1", driver.device.port)]
        await server.stop()
        await wait_for(lambda: rig.store.get("T01.EQ2.LT").quality == Quality.BAD_NO_COMMUNICATION, what="Bad")
        await server.start()
        await wait_for(lambda: is_good(rig.store.get("T01.EQ2.LT").quality), what="recovered", timeout=15)
        assert driver.stats.connects >= 2


async def test_exception_responses_are_logged_once_and_never_good(small_plant, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="scada.drivers.modbus")
    async with Rig(small_plant) as rig:
        await wait_for(lambda: is_good(rig.store.get("T01.EQ2.LT").quality), what="Good")
        qualities: list[int] = []
        sub = rig.bus.subscribe("watch", "T01.EQ2.LT")
        await rig.sim.set_device_fault("T01.P2", "exception", 2)
        await wait_for(lambda: rig.store.get("T01.EQ2.LT").quality == Quality.BAD_DEVICE_FAILURE, what="Bad_DeviceFailure")
        await asyncio.sleep(0.6)  # several more polls, all answered with the exception
        qualities += [v.quality for v in sub.take()]
        assert rig.store.get("T01._device.P2.online").value is True  # it answers: online, but its data is bad
        assert len([r for r in caplog.records if r.getMessage() == "exception response"]) == 1
        await rig.sim.set_device_fault("T01.P2", "clear")
        await wait_for(lambda: is_good(rig.store.get("T01.EQ2.LT").quality), what="recovered")
        qualities += [v.quality for v in sub.take()]
        first_good = qualities.index(Quality.GOOD)
        assert set(qualities[:first_good]) == {Quality.BAD_DEVICE_FAILURE}


async def test_out_of_range_and_nan_values_get_their_quality(small_plant) -> None:
    async with Rig(small_plant) as rig:
        await wait_for(lambda: is_good(rig.store.get("T01.EQ1.F32").quality), what="Good")
        rig.sim.inject_point("T01.EQ1.F32", "out_of_range")
        rig.sim.inject_point("T01.EQ1.F64", "nan")
        await wait_for(lambda: rig.store.get("T01.EQ1.F32").quality == Quality.BAD_OUT_OF_RANGE, what="out of range")
        assert rig.store.get("T01.EQ1.F32").value > 1000
        await wait_for(lambda: rig.store.get("T01.EQ1.F64").quality == Quality.BAD_SENSOR_FAILURE, what="NaN")
        rig.acq.set_out_of_service({"T01.EQ1.F32"})
        await wait_for(lambda: rig.store.get("T01.EQ1.F32").quality == Quality.BAD_OUT_OF_SERVICE, what="out of service")


async def test_a_slow_device_makes_its_values_stale_then_good_again(small_plant) -> None:
    async with Rig(small_plant) as rig:
        tag = "T01.EQ1.F32"
        await wait_for(lambda: is_good(rig.store.get(tag).quality), what="Good")
        sub = rig.bus.subscribe("watch", tag)
        await rig.sim.set_device_fault("T01.P1", "slow", 0.25)  # 3 fast blocks: ~0.75 s a poll, period 0.2 s
        await wait_for(lambda: rig.store.get(tag).quality == Quality.UNCERTAIN_LAST_USABLE_VALUE, what="stale")
        assert rig.store.get("T01._device.P1.online").value is True  # slow is not offline
        await rig.sim.set_device_fault("T01.P1", "clear")
        await wait_for(lambda: is_good(rig.store.get(tag).quality), what="fresh again")
        qualities = [v.quality for v in sub.take()]
        assert Quality.BAD_NO_COMMUNICATION not in qualities


async def test_malformed_responses_never_give_good_values_and_the_driver_survives(small_plant, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="scada.drivers.health")
    async with Rig(small_plant) as rig:
        tag = "T01.EQ2.LT"
        await wait_for(lambda: is_good(rig.store.get(tag).quality), what="Good")
        sub = rig.bus.subscribe("watch", tag)
        await rig.sim.set_device_fault("T01.P2", "malformed")
        await wait_for(lambda: rig.store.get(tag).quality == Quality.BAD_NO_COMMUNICATION, what="Bad on malformed frames")
        await asyncio.sleep(1.0)  # several reconnect/poll rounds of garbage
        during = [v.quality for v in sub.take()]
        assert Quality.GOOD not in during
        assert len([r for r in caplog.records if r.getMessage() == "device offline"]) == 1  # once per episode
        await rig.sim.set_device_fault("T01.P2", "clear")
        await wait_for(lambda: is_good(rig.store.get(tag).quality), what="recovered", timeout=20)
