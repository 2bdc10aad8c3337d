"""The engine end to end over a real tag store and bus, on the demo plant and its alarms.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
from alarm_rig import Plant

from rules.config import SuppressionRule, load_alarm_config
from rules.errors import AlarmError
from tags import Quality

CONFIG = Path(__file__).resolve().parents[2] / "config"
LT = "E01.T101.LT"  # level, m: LL 0.8, L 1.2, H 16.5, HH 17.5, deadband 0.05, on 5 s, off 10 s
LIMIT = f"{LT}:limit"
GAS = "E01.T101.GT1"  # %LEL: H 20 (high), HH 40 (critical, latching), deadband 1, on 2 s
GAS_ALARM = f"{GAS}:limit"
VIDEO = ["E01._video.CAM1.online", "E01._video.CAM1.status", "E01.T101.IN_USE"]


@pytest.fixture
def cfg(demo_plant):
    return load_alarm_config(CONFIG, demo_plant)


@pytest.fixture
def rig(demo_plant, cfg) -> Plant:
    return Plant(demo_plant, cfg, extra_tags=VIDEO)


def high_alarm(rig: Plant) -> None:
    rig.set(LT, 10.0)
    rig.at(1)
    rig.set(LT, 16.6)
    rig.at(6)
    assert rig.state(LIMIT) == "unacknowledged"
    rig.events.take()


def test_on_delay_edge_and_deadband_edge(rig: Plant) -> None:
    rig.set(LT, 10.0)
    rig.at(1)
    rig.set(LT, 16.5)  # exactly at the high limit: in alarm, after the 5 s on-delay
    rig.at(5.99)
    assert rig.transitions(LIMIT) == []
    rig.at(6.0)
    assert rig.transitions(LIMIT) == [("activated", "unacknowledged")]
    rig.set(LT, 16.45)  # high - deadband: still in alarm
    rig.at(30)
    assert rig.transitions(LIMIT) == []
    rig.set(LT, 16.44)  # past the deadband: clears after the 10 s off-delay
    rig.at(39.99)
    assert rig.transitions(LIMIT) == []
    rig.at(40)
    assert rig.transitions(LIMIT) == [("cleared", "returned_unacknowledged")]
    rig.engine.acknowledge(LIMIT, "张三")
    assert rig.transitions(LIMIT) == [("acknowledged", "normal")]
    assert LIMIT not in [a.alarm_id for a in rig.engine.active()]  # (the jump also raised a rate alarm)


def test_a_crossing_shorter_than_the_on_delay_raises_nothing(rig: Plant) -> None:
    rig.set(LT, 10.0)
    rig.at(1)
    rig.set(LT, 16.7)
    rig.at(5)
    rig.set(LT, 16.0)
    rig.at(20)
    assert rig.transitions(LIMIT) == []


def test_off_delay_suppresses_chattering(rig: Plant) -> None:
    high_alarm(rig)
    for t in (10, 20, 30):  # drops below and comes back within the 10 s off-delay, three times
        rig.at(t)
        rig.set(LT, 16.3)
        rig.at(t + 9)
        rig.set(LT, 16.6)
    rig.at(60)
    assert rig.transitions(LIMIT) == []  # still the one alarm: no chatter


def test_escalation_needs_a_new_acknowledgement_and_records_the_worst(rig: Plant) -> None:
    high_alarm(rig)
    rig.engine.acknowledge(LIMIT, "张三", "现场确认")
    rig.at(10)
    rig.set(LT, 17.6)
    rig.at(15)
    assert rig.transitions(LIMIT) == [("acknowledged", "acknowledged"), ("escalated", "unacknowledged")]
    rig.set(LT, 16.8)
    rig.at(25)  # back to high after the off-delay: not worse, stays unacknowledged
    rig.set(LT, 1.0)
    rig.at(30)  # from high straight to low: a move between levels, after the on-delay
    rig.at(40)
    events = [e for e in rig.events.take() if e.alarm_id == LIMIT]
    record = rig.engine.table.records[LIMIT]
    assert (record.start_status, record.worst_status, record.current_status) == ("high", "high_high", "low")
    assert (record.start_value, record.worst_value, record.worst_limit) == (16.6, 17.6, 17.5)
    assert [e.transition for e in events] == ["changed", "changed"]
    (shown,) = [a for a in rig.engine.active() if a.alarm.alarm_id == LIMIT]
    assert "17.6" in shown.message and "17.5" in shown.message  # the summary shows the worst value and its limit


def test_bad_value_keeps_the_limit_state_and_raises_bad_pv(rig: Plant) -> None:
    high_alarm(rig)
    rig.set(LT, 3.0, int(Quality.BAD_NO_COMMUNICATION))
    rig.at(10.9)
    assert rig.state(LIMIT) == "unacknowledged"  # not cleared by a value nobody can trust
    assert rig.transitions(f"{LT}:bad_pv") == []
    rig.at(11)  # bad-PV on-delay 5 s
    assert rig.transitions(f"{LT}:bad_pv") == [("activated", "unacknowledged")]
    rig.set(LT, 16.7)
    assert rig.transitions(f"{LT}:bad_pv") == [("cleared", "returned_unacknowledged")]


def test_out_of_service_quality_is_not_a_bad_pv(rig: Plant) -> None:
    rig.set(LT, 10.0, int(Quality.BAD_OUT_OF_SERVICE))
    rig.at(60)
    assert rig.transitions() == []


def test_acknowledge_needs_a_user_and_a_note_for_the_two_highest_priorities(rig: Plant) -> None:
    rig.set(GAS, 0.0)
    rig.set(GAS, 25.0)
    rig.at(2)
    assert rig.engine.active()[0].priority == "high"
    with pytest.raises(AlarmError, match="needs a user"):
        rig.engine.acknowledge(GAS_ALARM, " ", "x")
    with pytest.raises(AlarmError, match="needs a note"):
        rig.engine.acknowledge(GAS_ALARM, "张三", "")
    rig.engine.acknowledge(GAS_ALARM, "张三", "已派人")
    high_alarm(rig)  # a medium alarm: no note needed
    rig.engine.acknowledge(LIMIT, "张三")
    with pytest.raises(AlarmError, match="already acknowledged"):
        rig.engine.acknowledge(LIMIT, "张三")


def test_latched_until_reset(rig: Plant) -> None:
    rig.set(GAS, 45.0)
    rig.at(2)
    assert rig.engine.active()[0].priority == "critical"
    with pytest.raises(AlarmError, match="only after"):
        rig.engine.reset(GAS_ALARM, "张三")
    rig.engine.acknowledge(GAS_ALARM, "张三", "已派人")
    rig.set(GAS, 5.0)
    assert rig.transitions(GAS_ALARM)[-1] == ("cleared", "latched")
    rig.engine.reset(GAS_ALARM, "张三", "现场已处置")
    assert rig.transitions(GAS_ALARM) == [("reset", "normal")]
    assert rig.engine.active() == []


@pytest.mark.parametrize(
    ("end", "expected"),
    [
        ("expire", ("shelve_expired", "unacknowledged")),  # timer ran out: back unacknowledged
        ("unshelve", ("unshelved", "acknowledged")),  # manual: back acknowledged
    ],
)
def test_shelving(rig: Plant, end: str, expected: tuple[str, str]) -> None:
    high_alarm(rig)
    rig.engine.shelve(LIMIT, "张三", "仪表检修", duration_s=60)
    assert rig.state(LIMIT) == "shelved"
    rig.set(LT, 17.8)  # still evaluated and journalled while shelved, not annunciated
    rig.at(12)
    escalated = [e for e in rig.events.take() if e.transition == "escalated"]
    assert escalated and not escalated[0].annunciate and escalated[0].state.isa == "shelved"
    if end == "expire":
        rig.at(65.9)
        assert rig.state(LIMIT) == "shelved"
        rig.at(66)
    else:
        rig.engine.unshelve(LIMIT, "张三")
    assert rig.transitions(LIMIT) == [expected]


def test_shelving_limits_and_one_shot(rig: Plant) -> None:
    high_alarm(rig)
    with pytest.raises(AlarmError, match="maximum"):
        rig.engine.shelve(LIMIT, "张三", "检修", duration_s=9 * 3600)
    with pytest.raises(AlarmError, match="reason"):
        rig.engine.shelve(LIMIT, "张三", "", duration_s=60)
    rig.engine.shelve(LIMIT, "张三", "检修", one_shot=True)
    rig.set(LT, 10.0)
    rig.at(20)  # one-shot shelving ends when the alarm returns to normal
    assert rig.transitions(LIMIT)[-1] == ("cleared", "returned_unacknowledged")


def test_out_of_service_by_declaration(rig: Plant) -> None:
    high_alarm(rig)
    rig.engine.set_out_of_service([LT], "DECL-7", True, "区应急局")
    events = rig.events.take()
    assert [(e.transition, e.state.isa) for e in events if e.alarm_id == LIMIT] == [("out_of_service", "out_of_service")]
    assert events[-1].record.clear_type == "out_of_service"
    rig.set(LT, 10.0)
    rig.at(30)
    rig.set(LT, 16.9)
    rig.at(40)
    changes = [e for e in rig.events.take() if e.alarm_id == LIMIT]
    assert [e.transition for e in changes] == ["cleared", "activated"]  # evaluated and journalled,
    assert not any(e.annunciate for e in changes) and all(e.record is None for e in changes)  # no alarm, no record
    rig.engine.set_out_of_service([LT], "DECL-7", False, "区应急局")
    back = rig.events.take()[-1]
    assert (back.transition, back.state.isa, back.annunciate) == ("in_service", "unacknowledged", True)
    assert back.record is not None and back.record.start_status == "high"


def test_suppression_by_design(demo_plant, cfg) -> None:
    rule = SuppressionRule(when={"tag": "E01.T101.IN_USE", "equals": False}, suppress=["E01.T101.*"], reason="储罐停用")
    rig = Plant(demo_plant, cfg.model_copy(update={"suppression": [rule]}), extra_tags=VIDEO)
    high_alarm(rig)
    rig.set("E01.T101.IN_USE", False)
    assert rig.state(LIMIT) == "suppressed"
    rig.set(GAS, 30.0)
    rig.at(10)
    gas = [e for e in rig.events.take() if e.alarm_id == GAS_ALARM]
    assert gas[0].transition == "activated" and gas[0].state.isa == "suppressed" and not gas[0].annunciate
    rig.set("E01.T101.IN_USE", True)
    assert rig.state(LIMIT) == "unacknowledged" and rig.state(GAS_ALARM) == "unacknowledged"


def test_compound_rule_gas_high_while_level_rising(rig: Plant) -> None:
    compound = "compound:tank_farm_gas_and_level_rising:E01-HS1:compound"
    rig.set(GAS, 0.0)
    rig.set(LT, 10.0)
    rig.at(30)
    rig.set(LT, 10.6)  # 1.2 m/min > 0.5: rising
    assert rig.state(f"{LT}:rate") == "unacknowledged"
    assert rig.state(compound) == "normal"  # the level alone is not enough
    rig.set(GAS, 22.0)
    rig.at(32)
    events = [e for e in rig.events.take() if e.alarm_id == compound]
    assert [(e.transition, e.priority) for e in events] == [("activated", "critical")]
    assert GAS_ALARM in events[0].value and f"{LT}:rate" in events[0].value
    rig.set("E01.T102.LT", 5.0)  # another hazard source's members would not count; this one is the same farm
    rig.set(GAS, 10.0)
    assert rig.transitions(compound) == [("cleared", "latched")]


def test_compound_needs_the_same_hazard_source(rig: Plant) -> None:
    rig.set("E01.V201.GT1", 0.0)  # LPG sphere farm E01-HS2
    rig.set(LT, 10.0)
    rig.at(30)
    rig.set(LT, 10.6)
    rig.set("E01.V201.GT1", 25.0)
    rig.at(40)
    assert not [a for a in rig.engine.active() if a.alarm.kind == "compound"]


def test_device_gateway_and_video(rig: Plant) -> None:
    rig.set("E01._device.PLC1.online", False)
    assert rig.transitions("E01._device.PLC1.online:device_offline") == [("activated", "unacknowledged")]
    rig.set("E01._device.PLC1.online", True)
    assert rig.transitions("E01._device.PLC1.online:device_offline") == [("cleared", "returned_unacknowledged")]
    rig.set("E01._gateway.online", False)
    assert rig.engine.table.state("E01._gateway.online:gateway_offline").active
    rig.set("E01._video.CAM1.online", False)
    assert rig.transitions("E01._video.CAM1.online:video_lost")[-1] == ("activated", "unacknowledged")
    rig.set("E01._video.CAM1.status", "frozen")
    rig.at(10)
    fault = [e for e in rig.events.take() if e.alarm.kind == "video_fault"]
    assert fault[0].transition == "activated" and "frozen" in fault[0].message


def test_discrete_off_normal(rig: Plant) -> None:
    rig.set("E01.T101.LSHH", False)
    rig.set("E01.T101.LSHH", True)
    assert rig.transitions("E01.T101.LSHH:discrete") == [("activated", "unacknowledged")]
    assert "E01.T101.LSHH:limit" not in rig.engine.table.defs


def test_deviation_between_redundant_instruments(rig: Plant) -> None:
    rig.set(LT, 10.0)
    rig.set("E01.T101.LT2", 10.2)
    rig.at(20)
    rig.set("E01.T101.LT2", 10.5)
    rig.at(29.9)
    assert rig.transitions(f"{LT}:deviation") == []
    rig.at(30)
    assert rig.transitions(f"{LT}:deviation") == [("activated", "unacknowledged")]
