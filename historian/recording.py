"""Which samples are recorded: per-point deadband and heartbeat (maximum interval).

A sample is recorded when its quality differs from the last recorded one, when it moved more than
the point's deadband away from the last recorded value, when it is not a number and differs, or
when the last recording is older than the point's maximum interval — so a flat value is still
recorded regularly and a trend never looks like a dead line. Runs on every sample: plain dict work.
"""

from __future__ import annotations

from collections.abc import Iterable

from historian.config import HistorianConfig
from historian.rows import US, Row
from tags.patterns import TagPattern


class RecordingPolicy:
    """Deadband and heartbeat per tag, resolved once per tag from the configuration's rules."""

    def __init__(self, config: HistorianConfig) -> None:
        self._default = (config.deadband, round(config.max_interval_s * US))
        self._rules = [(TagPattern(r.match), r) for r in config.record]
        self._per_tag: dict[str, tuple[float, int]] = {}
        self._last: dict[str, Row] = {}

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

    def select(self, rows: Iterable[Row]) -> list[Row]:
        """The rows to record, in order; remembers them as the last recorded per tag."""
        last = self._last
        out: list[Row] = []
        for row in rows:
            prev = last.get(row.tag)
            if prev is None or self._differs(prev, row):
                last[row.tag] = row
                out.append(row)
        return out

    def _differs(self, prev: Row, row: Row) -> bool:
        deadband, interval = self.limits(row.tag)
        if row.t - prev.t >= interval or row.quality != prev.quality:
            return row.t != prev.t or row.quality != prev.quality or row.value != prev.value
        value, before = row.value, prev.value
        if isinstance(value, float | int) and isinstance(before, float | int) and not isinstance(value, bool):
            return abs(value - before) > deadband
        return value != before
