"""Gateway alarm cross-check (漏报) end to end: edge alarm engine → <TAG>_ALM samples → uplink payload →
central tag store → central alarm engine, which flags the alarm the gateway did not report as missed."""

from __future__ import annotations

from edge.crosscheck import status_samples, wire_gateway_status
from edge.gateway import enterprise_plant
from edge.payload import Header, decode_header, decode_samples, encode_body, encode_message
from rules.config import AlarmConfig
from rules.engine import AlarmEngine
from scada.drivers.acquisition import health_tags
from tags import Quality, TagBus, TagStore, TagUpdate, TagValue

GOOD = int(Quality.GOOD)
REPORTED, MISSED = "E01.T101.LT", "E01.T101.TT"  # high limits 16.5 m and 40 °C


class Clock:
    def __init__(self) -> None:
        self.t = 1_800_000_000.0

    def __call__(self) -> float:
        return self.t


def over_the_wire(samples: list[TagUpdate]) -> list[TagUpdate]:
    header = Header("E01", "GW-E01", "s", 1, 1, False, True)
    back, body = decode_header(encode_message(header, encode_body("E01", samples, True)))
    return decode_samples(back, body)


def test_the_platform_flags_an_alarm_its_gateway_did_not_report(demo_plant) -> None:
    clock = Clock()
    config = AlarmConfig.model_validate({"gateway_status": {"suffix": "_ALM", "grace_s": 30}})
    edge = AlarmEngine(enterprise_plant(demo_plant, "E01"), config, None, None, clock)
    edge_events = edge.subscribe()
    central_tags = TagStore(TagBus(), clock)
    central_tags.define([p.tag for p in demo_plant.points] + health_tags(demo_plant))
    central = AlarmEngine(demo_plant, config, central_tags.bus, None, clock)
    status_tags = wire_gateway_status(central)
    assert f"{REPORTED}_ALM" in status_tags and f"{MISSED}_ALM" in status_tags
    central_tags.define(status_tags)
    sub = central_tags.bus.subscribe("alarms-test", "*")

    def step(seconds: float, edge_values: dict[str, float], sent_values: dict[str, float]) -> None:
        clock.t += seconds
        edge.process([TagValue(t, v, GOOD, clock.t, clock.t) for t, v in edge_values.items()])
        edge.tick(clock.t)
        samples = [TagUpdate(t, v, GOOD, clock.t) for t, v in sent_values.items()]
        central_tags.update(over_the_wire(samples + status_samples(edge_events.take(), "_ALM")))
        central.process(sub.take())
        central.tick(clock.t)

    normal = {REPORTED: 10.0, MISSED: 20.0}
    step(0, normal, normal)
    # Both go high at the platform; the gateway's own evaluation sees only the level (its temperature
    # logic is broken: it keeps judging a stale value), so it reports the level alarm and not the other.
    high = {REPORTED: 17.0, MISSED: 45.0}
    for _ in range(12):
        step(1, {REPORTED: 17.0, MISSED: 20.0}, high)
    active = {a.alarm.alarm_id for a in central.active()}
    assert {f"{REPORTED}:limit", f"{MISSED}:limit"} <= active
    assert central_tags.get(f"{REPORTED}_ALM").value is True
    events = []
    listener = central.subscribe()
    for _ in range(40):
        step(1, {REPORTED: 17.0, MISSED: 20.0}, high)
        events += listener.take()
    missed = [e for e in events if e.transition == "missed"]
    assert [e.alarm_id for e in missed] == [f"{MISSED}:limit"]
    assert central.table.records[f"{MISSED}:limit"].missed and not central.table.records[f"{REPORTED}:limit"].missed
