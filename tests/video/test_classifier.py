"""The status decision: hold times, priorities, recovery — pure, on hand-made measures."""

from __future__ import annotations

from video.classifier import Classifier, Observation, frame_conditions
from video.config import Thresholds
from video.metrics import FrameMetrics

T = Thresholds(lost_after_s=10, frozen_after_s=20, dark_after_s=10, covered_after_s=10, blurred_after_s=30, moved_after_s=15)
LIVE = FrameMetrics(mean=115, std=45, sharpness=150, entropy=6.5, change=1.2, similarity=0.98, shift=0.0)


def _m(_at: float, **changes: float) -> FrameMetrics:
    base = {name: getattr(LIVE, name) for name in LIVE.__slots__}
    return FrameMetrics(**{**base, **changes})


def obs(at: float, **changes: float) -> Observation:
    return Observation(at, metrics=_m(at, **changes))


def test_each_picture_condition_is_recognised() -> None:
    assert frame_conditions(_m(0), T) == {}
    assert set(frame_conditions(_m(0, mean=5, std=1, sharpness=0.5, entropy=1.0), T)) == {"black"}
    assert set(frame_conditions(_m(0, mean=250, std=1, sharpness=0.5), T)) == {"white"}
    assert set(frame_conditions(_m(0, mean=120, std=2, sharpness=0.5), T)) == {"uniform"}
    assert set(frame_conditions(_m(0, mean=40, std=9, sharpness=1.5, entropy=4.4), T)) == {"covered"}
    assert set(frame_conditions(_m(0, std=39, sharpness=4.0, entropy=6.2), T)) == {"blurred"}
    assert set(frame_conditions(_m(0, similarity=0.5), T)) == {"moved"}
    assert set(frame_conditions(_m(0, shift=0.12), T)) == {"moved"}
    assert set(frame_conditions(_m(0, change=0.05), T)) == {"frozen"}
    assert set(frame_conditions(_m(0, mean=5, std=1, sharpness=0.5, change=0.0), T)) == {"black", "frozen"}


def test_a_condition_becomes_the_status_only_after_its_hold_time() -> None:
    c = Classifier(T)
    assert c.observe(obs(0)).status == "ok"
    d = c.observe(obs(5, mean=5, std=1, sharpness=0.5))
    assert (d.status, d.pending, c.due) == ("ok", ("black",), 15)
    assert c.observe(obs(10, mean=5, std=1, sharpness=0.5)).status == "ok"
    d = c.observe(obs(15, mean=5, std=1, sharpness=0.5))
    assert (d.status, d.since) == ("black", 5) and "black picture" in d.reason and "for 10 s" in d.reason
    assert c.observe(obs(20)).status == "ok"  # back at once


def test_frozen_counts_from_the_sample_the_picture_stopped_at() -> None:
    c = Classifier(T)
    c.observe(obs(0))
    c.observe(obs(5, change=0.01))  # equal to the sample at 0: frozen since 0
    assert c.observe(obs(15, change=0.0)).status == "ok"
    d = c.observe(obs(20, change=0.0))
    assert (d.status, d.since) == ("frozen", 0)


def test_a_passing_object_resets_a_pending_condition() -> None:
    c = Classifier(T)
    for t in (0, 5):
        c.observe(obs(t, mean=40, std=9, sharpness=1.5))
    c.observe(obs(8))  # the hand moved away for one sample
    assert c.observe(obs(12, mean=40, std=9, sharpness=1.5)).status == "ok"
    assert c.observe(obs(22, mean=40, std=9, sharpness=1.5)).status == "covered"


def test_lost_video_keeps_the_last_status_until_held_then_the_more_fundamental_status_wins() -> None:
    c = Classifier(T)
    for t in range(0, 25, 5):
        c.observe(obs(t, change=0.0))
    assert c.status == "frozen"
    d = c.observe(Observation(25, "unreachable", "cannot connect"))
    assert (d.status, d.online, d.since) == ("frozen", True, None)  # not held yet: the last status stands
    d = c.observe(Observation(30, "no_frames", "connected, no frame"))
    assert d.status == "frozen" and c.due == 35
    d = c.observe(Observation(35, "no_frames", "connected, no frame"))
    assert (d.status, d.online, d.since) == ("no_frames", False, 25)  # lost since the first failure
    assert c.observe(obs(40)).status == "ok"


def test_priority_between_held_conditions() -> None:
    c = Classifier(T)
    for t in range(0, 40, 5):
        d = c.observe(obs(t, mean=5, std=1, sharpness=0.5, change=0.0))
    assert d.status == "black"  # black and frozen both held: black says more
