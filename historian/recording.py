"""Which samples are recorded: per-point deadband and heartbeat (maximum interval).

A sample is recorded when its quality differs from the last recorded one, when it moved more than
the point's deadband away from the last recorded value, when it is not a number and differs, or
when the last recording is older than the point's maximum interval — so a flat value is still
recorded regularly and a trend never looks like a dead line. Runs on every sample: plain dict work.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from historian.config import HistorianConfig
from historian.rows import US, Row
from tags.patterns import TagPattern
from tags.value import TagValue


class RecordingPolicy:
    """Deadband and heartbeat per tag, resolved once per tag from the configuration's rules."""

    def __init__(self, config: HistorianConfig) -> None:
        self._default = (config.deadband, round(config.max_interval_s * US))
        self._rules = [(TagPattern(r.match), r) for r in config.record]
        self._per_tag: dict[str, tuple[float, int]] = {}
        self._last: dict[str, list[Any]] = {}  # per tag: [deadband, interval s, last recorded source time, value, quality]

    def limits(self, tag: str) -> tuple[float, int]:
        found = self._per_tag.get(tag)
        if found is None:
            deadband, interval = self._default
            for pattern, rule in self._rules:
                if pattern.match(tag):
                    deadband = rule.deadband if rule.deadband is not None else deadband
                    interval = round(rule.max_interval_s * US) if rule.max_interval_s is not None else interval
            found = self._per_tag[tag] = (deadband, interval)
        return found

    def select(self, values: Iterable[TagValue]) -> list[Row]:
        """The samples to record, as rows, in order; remembers them as the last recorded per tag.

        The hot path of the historian (every sample): one dict lookup, a few comparisons, and the
        per-tag state updated in place (measured: 4.0 → 2.x µs per sample against the tuple version).
        """
        last = self._last
        out: list[Row] = []
        append = out.append
        new_row = tuple.__new__
        for tag, value, quality, st, server_t in values:
            prev = last.get(tag)
            if prev is None:
                deadband, interval = self.limits(tag)
                last[tag] = [deadband, interval / US, st, value, quality]
            else:
                if st - prev[2] < prev[1] and quality == prev[4]:
                    p_value = prev[3]
                    if value.__class__ is float and p_value.__class__ is float:  # the common case, checked first
                        if abs(value - p_value) <= prev[0]:  # type: ignore[operator]
                            continue
                    elif (value == p_value and value.__class__ is p_value.__class__) or (
                        isinstance(value, int | float)
                        and isinstance(p_value, int | float)
                        and not isinstance(value, bool)
                        and abs(value - p_value) <= prev[0]
                    ):
                        continue
                elif st == prev[2] and value == prev[3] and quality == prev[4]:
                    continue  # the same sample delivered twice
                prev[2], prev[3], prev[4] = st, value, quality
            append(new_row(Row, (tag, int(st * US + 0.5), value, quality, int(server_t * US + 0.5))))
        return out
