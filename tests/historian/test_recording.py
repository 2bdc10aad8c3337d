"""Deadband and heartbeat: what gets recorded from a stream of samples."""

from __future__ import annotations

from historian.config import HistorianConfig
from historian.recording import RecordingPolicy
from historian.rows import US
from tags import Quality, TagValue

G, B = int(Quality.GOOD), int(Quality.BAD_NO_COMMUNICATION)


def _policy(**config: object) -> RecordingPolicy:
    return RecordingPolicy(HistorianConfig.model_validate(config))


def _kept(policy: RecordingPolicy, samples: list[tuple[float, object, int]], tag: str = "E01.T1.LT") -> list[tuple[float, object]]:
    values = [TagValue(tag, v, q, t, t) for t, v, q in samples]
    return [(r.t / US, r.value) for r in policy.select(values)]


def test_deadband_records_only_moves_larger_than_it_from_the_last_recorded_value() -> None:
    policy = _policy(deadband=0.5, max_interval_s=3600)
    samples = [(0, 10.0, G), (1, 10.4, G), (2, 10.5, G), (3, 10.51, G), (4, 10.2, G), (5, 9.9, G), (6, 11.02, G)]
    # 10.4 and 10.5 are within 0.5 of 10.0; 10.51 is not; 10.2 and 9.9 within 0.5 of 10.51? 9.9 is 0.61 away.
    assert _kept(policy, samples) == [(0, 10.0), (3, 10.51), (5, 9.9), (6, 11.02)]


def test_heartbeat_records_a_flat_value_at_the_maximum_interval() -> None:
    policy = _policy(deadband=0.0, max_interval_s=10)
    samples = [(t, 5.0, G) for t in range(0, 31)]
    assert [t for t, _ in _kept(policy, samples)] == [0, 10, 20, 30]


def test_a_quality_change_is_always_recorded_even_inside_the_deadband() -> None:
    policy = _policy(deadband=100.0, max_interval_s=3600)
    samples = [(0, 1.0, G), (1, 1.0, B), (2, 1.0, B), (3, 1.1, G)]
    assert _kept(policy, samples) == [(0, 1.0), (1, 1.0), (3, 1.1)]


def test_text_and_booleans_are_recorded_on_every_change() -> None:
    policy = _policy(deadband=5.0, max_interval_s=3600)
    assert _kept(policy, [(0, True, G), (1, True, G), (2, False, G)], "E01.P1.RUN") == [(0, True), (2, False)]
    assert _kept(policy, [(0, "ok", G), (1, "ok", G), (2, "frozen", G)], "E01._video.C1.status") == [(0, "ok"), (2, "frozen")]


def test_rules_by_pattern_override_the_defaults_and_the_last_match_wins() -> None:
    policy = _policy(
        deadband=0.0,
        max_interval_s=60,
        record=[{"match": "E01.*", "deadband": 1.0}, {"match": "E01.T1.*", "max_interval_s": 5}, {"match": "E02.*", "deadband": 2.0}],
    )
    assert policy.limits("E01.T1.LT") == (1.0, 5 * US)
    assert policy.limits("E01.T2.LT") == (1.0, 60 * US)
    assert policy.limits("E02.T1.LT") == (2.0, 60 * US)
    assert policy.limits("E03.T1.LT") == (0.0, 60 * US)
