"""Table-driven: the limit levels with deadband, the debouncer's delays, and every sub-state transition."""

from __future__ import annotations

import pytest

from rules import state as st
from rules.errors import AlarmError
from rules.limits import Limits
from rules.state import NORMAL, AlarmState, Shelving
from rules.timing import Debouncer
from scada.config.schema import Thresholds

LIM = Limits(Thresholds(low_low=1.0, low=2.0, high=8.0, high_high=9.0), deadband=0.5)


@pytest.mark.parametrize(
    ("value", "prev", "level"),
    [
        (5.0, None, None),
        (8.0, None, "high"),  # at the limit: in alarm
        (7.99, None, None),
        (7.5, "high", "high"),  # high - deadband: still in alarm
        (7.49, "high", None),
        (9.0, "high", "high_high"),
        (8.5, "high_high", "high_high"),
        (8.49, "high_high", "high"),
        (7.49, "high_high", None),
        (2.0, None, "low"),
        (2.5, "low", "low"),
        (2.51, "low", None),
        (1.0, "low", "low_low"),
        (1.5, "low_low", "low_low"),
        (1.51, "low_low", "low"),
        (True, None, "low_low"),  # a bool is a number: True == 1 is at the low-low limit
    ],
)
def test_limit_levels_with_deadband(value: float, prev: str | None, level: str | None) -> None:
    assert LIM.level(value, prev) == level


@pytest.mark.parametrize(
    ("steps", "committed"),
    [
        ([("high", 0.0), (None, 4.9)], None),  # left before the 5 s on-delay
        ([("high", 0.0)], None),  # pending
        ([("high", 0.0), ("high_high", 2.0)], None),  # still pending from the first crossing
    ],
)
def test_debouncer_pending(steps: list[tuple[str | None, float]], committed: str | None) -> None:
    d = Debouncer("x", on_delay=5, off_delay=10)
    for raw, t in steps:
        d.step(raw, t, 0)
    assert d.committed == committed


def test_debouncer_commits_at_the_deadline_and_cancels_a_return() -> None:
    d = Debouncer("x", on_delay=5, off_delay=10)
    assert d.step("high", 0.0, 0) is False
    assert not d.due(4.99) and d.due(5.0) and d.committed == "high"
    assert d.step(None, 6.0, 0) is False  # returning: off-delay
    assert d.step("high", 15.0, 0) is None  # back before 16: nothing changes
    assert not d.due(100) and d.committed == "high"
    d.step("high_high", 20.0, 0)
    assert d.due(25.0) and d.committed == "high_high"
    d.step("high", 30.0, 0)  # a less severe level is a return: off-delay
    assert not d.due(39.9) and d.due(40.0) and d.committed == "high"


SHELF = Shelving("timed", "u", "r", 0.0, 60.0)
ACTIVE_UNACK = AlarmState(active=True, acked=False, level="high")


@pytest.mark.parametrize(
    ("before", "action", "after_isa"),
    [
        (NORMAL, lambda s: st.activate(s, "high", False), "unacknowledged"),
        (ACTIVE_UNACK, st.acknowledge, "acknowledged"),
        (ACTIVE_UNACK, lambda s: st.clear(s, latching=False), "returned_unacknowledged"),
        (AlarmState(active=True, acked=True, level="high"), lambda s: st.clear(s, latching=False), "normal"),
        (AlarmState(active=True, acked=True, level="high"), lambda s: st.activate(s, "high_high", True), "unacknowledged"),
        (AlarmState(active=True, acked=True, level="high_high"), lambda s: st.activate(s, "high", False), "acknowledged"),
        (AlarmState(active=True, acked=True, level="high"), lambda s: st.clear(s, latching=True), "latched"),
        (AlarmState(latched=True), st.reset, "normal"),
        (ACTIVE_UNACK, lambda s: st.shelve(s, SHELF), "shelved"),
        (AlarmState(active=True, acked=False, level="high", shelved=SHELF), st.unshelve, "acknowledged"),
        (AlarmState(active=True, acked=True, level="high", shelved=SHELF), st.expire_shelve, "unacknowledged"),
        (AlarmState(acked=True, shelved=SHELF), st.expire_shelve, "normal"),
        (
            AlarmState(active=True, acked=True, level="high", shelved=Shelving("one_shot", "u", "r", 0, 60)),
            lambda s: st.clear(s, False),
            "normal",
        ),
        (ACTIVE_UNACK, lambda s: st.suppress(s, "停用"), "suppressed"),
        (AlarmState(suppressed="停用", active=True, acked=False, level="high"), st.unsuppress, "unacknowledged"),
        (ACTIVE_UNACK, lambda s: st.remove_from_service(s, "D1"), "out_of_service"),
        (AlarmState(out_of_service="D1", active=True, level="high"), st.return_to_service, "unacknowledged"),
        (AlarmState(out_of_service="D1"), st.return_to_service, "normal"),
    ],
)
def test_transitions(before: AlarmState, action, after_isa: str) -> None:  # type: ignore[no-untyped-def]
    assert action(before).isa == after_isa


@pytest.mark.parametrize(
    ("before", "action", "message"),
    [
        (NORMAL, st.acknowledge, "already acknowledged"),
        (NORMAL, st.unshelve, "not shelved"),
        (NORMAL, st.reset, "not latched"),
        (AlarmState(active=True, latched=True), st.reset, "returned to normal"),
        (AlarmState(out_of_service="D1"), lambda s: st.shelve(s, SHELF), "out of service"),
        (AlarmState(shelved=SHELF), lambda s: st.shelve(s, SHELF), "already shelved"),
        (NORMAL, st.return_to_service, "not out of service"),
    ],
)
def test_refused_transitions(before: AlarmState, action, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(AlarmError, match=message):
        action(before)


def test_state_round_trips_through_json() -> None:
    s = AlarmState(active=True, acked=False, level="high", shelved=SHELF, suppressed="x")
    assert AlarmState.from_json(s.to_json()) == s
