"""Detectors: turn tag values into raw condition levels, one alarm condition each.

Every detector owns a ``Debouncer`` (on/off delay) and reports committed changes to a sink (the
engine). All of them run per sample, so they are small slotted classes doing plain comparisons.
Limits are not evaluated on a Bad value: the previous level is kept, never falsely cleared.
"""

from __future__ import annotations

from collections import deque
from typing import Any, Protocol

from rules.events import AlarmDef
from rules.limits import Limits
from rules.timing import Debouncer
from tags import Quality
from tags.value import TagValue

_BAD = 0x80000000
# Not a bad process value: out of service is declared, waiting-for-data is the start-up state.
NOT_BAD_PV = frozenset({int(Quality.BAD_OUT_OF_SERVICE), int(Quality.BAD_WAITING_FOR_INITIAL_DATA)})


class Sink(Protocol):
    def commit(self, det: Detector, t: float) -> None: ...
    def pending(self, det: Detector) -> None: ...


class Detector:
    __slots__ = ("deb", "defn", "sink")

    def __init__(self, defn: AlarmDef, sink: Sink, on_delay: float = 0.0, off_delay: float = 0.0) -> None:
        self.defn = defn
        self.sink = sink
        self.deb = Debouncer(defn.alarm_id, on_delay, off_delay)

    def push(self, raw: str | None, t: float, value: Any) -> None:
        r = self.deb.step(raw, t, value)
        if r is True:
            self.sink.commit(self, t)
        elif r is False:
            self.sink.pending(self)

    def limit(self, level: str | None) -> float | None:
        return None

    def sample(self, v: TagValue) -> None:
        raise NotImplementedError

    def reset(self, now: float) -> None:
        """Back to the state of a detector that has seen nothing (its enterprise moved to another worker, or back)."""
        self.deb.restore(None)


class LimitDetector(Detector):
    __slots__ = ("limits",)

    def __init__(self, defn: AlarmDef, sink: Sink, limits: Limits, on_delay: float, off_delay: float) -> None:
        super().__init__(defn, sink, on_delay, off_delay)
        self.limits = limits

    def sample(self, v: TagValue) -> None:
        value = v[1]
        if v[2] & _BAD or value is None or isinstance(value, str):
            return
        deb = self.deb
        raw = self.limits.level(value, deb.raw)
        if raw != deb.raw or raw != deb.committed:
            self.push(raw, v[4], value)
        else:
            deb.value = value

    def limit(self, level: str | None) -> float | None:
        return self.limits.limit(level)


class BadPvDetector(Detector):
    __slots__ = ()

    def sample(self, v: TagValue) -> None:
        q = v[2]
        raw = "bad" if q & _BAD and q not in NOT_BAD_PV else None
        if raw != self.deb.raw or raw != self.deb.committed:
            self.push(raw, v[4], q)


class RateDetector(Detector):
    """Rate of change over a window, in engineering units per minute."""

    __slots__ = ("fall", "rise", "samples", "window")

    def __init__(
        self, defn: AlarmDef, sink: Sink, rise: float | None, fall: float | None, window_s: float, delays: tuple[float, float]
    ) -> None:
        super().__init__(defn, sink, *delays)
        self.rise, self.fall, self.window = rise, fall, window_s
        self.samples: deque[tuple[float, float]] = deque()

    def sample(self, v: TagValue) -> None:
        value = v[1]
        if v[2] & _BAD or value is None or isinstance(value, str):
            return
        t = v[4]
        samples = self.samples
        samples.append((t, float(value)))
        while samples and t - samples[0][0] > self.window:
            samples.popleft()
        self.evaluate(t)

    def rate(self) -> float:
        (t0, v0), (t1, v1) = self.samples[0], self.samples[-1]
        # A window only partly filled still counts from half its length: a jump is a jump.
        return (v1 - v0) * 60.0 / max(t1 - t0, self.window / 2)

    def evaluate(self, t: float) -> None:
        if len(self.samples) < 2:
            raw = None
        else:
            rate = self.rate()
            raw = (
                "rising"
                if self.rise is not None and rate > self.rise
                else "falling"
                if self.fall is not None and -rate > self.fall
                else None
            )
        if raw != self.deb.raw or raw != self.deb.committed:
            self.push(raw, t, round(self.rate(), 6) if len(self.samples) >= 2 else None)

    def reset(self, now: float) -> None:
        super().reset(now)
        self.samples.clear()

    def idle(self, now: float) -> None:
        """No change for a whole window: the value is steady, so the rate is zero."""
        if self.samples and now - self.samples[-1][0] > self.window:
            self.samples.clear()
            self.evaluate(now)

    def limit(self, level: str | None) -> float | None:
        return self.rise if level == "rising" else self.fall if level == "falling" else None


class DeviationDetector(Detector):
    """Two redundant instruments of one equipment disagree by more than ``max_diff``."""

    __slots__ = ("a", "max_diff", "values")

    def __init__(self, defn: AlarmDef, sink: Sink, a: str, max_diff: float, delays: tuple[float, float]) -> None:
        super().__init__(defn, sink, *delays)
        self.a = a
        self.max_diff = max_diff
        self.values: dict[bool, float | None] = {True: None, False: None}

    def sample(self, v: TagValue) -> None:
        value = v[1]
        good = not v[2] & _BAD and value is not None and not isinstance(value, str)
        self.values[v[0] == self.a] = float(value) if good else None  # type: ignore[arg-type]
        a, b = self.values[True], self.values[False]
        if a is None or b is None:
            return  # keep the previous state until both are usable again
        diff = abs(a - b)
        raw = "deviation" if diff > self.max_diff else None
        if raw != self.deb.raw or raw != self.deb.committed:
            self.push(raw, v[4], round(diff, 6))

    def limit(self, level: str | None) -> float | None:
        return self.max_diff

    def reset(self, now: float) -> None:
        super().reset(now)
        self.values = {True: None, False: None}


class StateDetector(Detector):
    """Off-normal states: a discrete point, device or gateway online, video online or status."""

    __slots__ = ("level", "normal")

    def __init__(self, defn: AlarmDef, sink: Sink, normal: Any, level: str | None, delays: tuple[float, float]) -> None:
        super().__init__(defn, sink, *delays)
        self.normal = normal
        self.level = level  # None: the value itself is the level (a video status)

    def sample(self, v: TagValue) -> None:
        value = v[1]
        if v[2] & _BAD or value is None:
            return
        raw = None if value == self.normal else self.level or str(value)
        if raw != self.deb.raw or raw != self.deb.committed:
            self.push(raw, v[4], value)


class NoUpdateDetector(Detector):
    """The value has not changed for ``timeout`` seconds (a frozen instrument); checked by ``idle``."""

    __slots__ = ("last", "timeout")

    def __init__(self, defn: AlarmDef, sink: Sink, timeout: float, now: float) -> None:
        super().__init__(defn, sink)
        self.timeout = timeout
        self.last = now

    def sample(self, v: TagValue) -> None:
        self.last = v[4]
        if self.deb.committed is not None or self.deb.raw is not None:
            self.push(None, v[4], v[1])

    def reset(self, now: float) -> None:
        super().reset(now)
        self.last = now  # a point just taken over is not frozen: its timeout starts now

    def idle(self, now: float) -> None:
        if self.deb.raw is None and now - self.last >= self.timeout:
            self.push("stale", now, round(now - self.last, 3))

    def limit(self, level: str | None) -> float | None:
        return self.timeout
