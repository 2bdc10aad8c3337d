"""On- and off-delay of one alarm condition: the level a detector sees, committed after its delay.

A detector computes the *raw* level of a condition on every sample (with its deadband); the
debouncer commits it only when it has held for the on-delay (entering or worsening) or the
off-delay (returning). A raw level that changes back within the delay cancels the change —
which is how an off-delay suppresses chattering. Pending changes are committed by ``due`` when
their time comes, since a steady value produces no new sample.
"""

from __future__ import annotations

from rules.limits import SEVERITY


class Debouncer:
    __slots__ = ("committed", "key", "off_delay", "on_delay", "raw", "since", "value")

    def __init__(self, key: str, on_delay: float, off_delay: float) -> None:
        self.key = key  # the alarm id this condition drives
        self.on_delay = on_delay
        self.off_delay = off_delay
        self.raw: str | None = None
        self.committed: str | None = None
        self.since = 0.0
        self.value: object = None

    def restore(self, level: str | None) -> None:
        """After a restart: the persisted level is both seen and committed, so nothing re-annunciates."""
        self.raw = self.committed = level

    def step(self, raw: str | None, t: float, value: object) -> bool | None:
        """Feed a raw level. True: committed now; False: pending (call ``due`` later); None: nothing to do."""
        self.value = value
        if raw != self.raw:
            # Moving between alarm levels while the first crossing is still pending keeps its start.
            if not (raw is not None and self.raw is not None and self.committed is None):
                self.since = t
            self.raw = raw
        if raw == self.committed:
            return None
        if self.delay <= 0:
            self.committed = raw
            return True
        return False

    @property
    def delay(self) -> float:
        returning = self.raw is None or (self.committed is not None and _returning(self.committed, self.raw))
        return self.off_delay if returning else self.on_delay

    @property
    def deadline(self) -> float:
        return self.since + self.delay

    def due(self, now: float) -> bool:
        """Commit a pending change whose delay has elapsed."""
        if self.raw != self.committed and now >= self.deadline:
            self.committed = self.raw
            return True
        return False

    @property
    def pending(self) -> bool:
        return self.raw != self.committed


def _returning(committed: str, raw: str) -> bool:
    """A move to a less severe level is a return (off-delay), not an escalation (on-delay)."""
    return SEVERITY.get(raw, 1) < SEVERITY.get(committed, 1)
