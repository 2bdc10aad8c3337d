"""A camera's status from its successive observations: pure, no I/O, time from the observations.

Each observation is either a failure (the stream could not be opened, or gave no frame) or a frame's
measures. A frame shows zero or more *conditions* (black, covered, frozen…); a condition becomes the
camera's status only once it has lasted its hold time (``Thresholds.*_after_s``), so a passing truck
in front of the lens or one lost connection raises nothing. When several conditions have lasted
long enough the most fundamental wins (``PRIORITY``: no video beats a black picture beats a frozen one).
A camera with no condition left is ``ok`` again at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from video.config import Thresholds
from video.metrics import FrameMetrics

OFFLINE = ("unreachable", "no_frames")
PRIORITY = (*OFFLINE, "black", "white", "uniform", "covered", "blurred", "moved", "frozen")
STATUSES = ("ok", *PRIORITY)

# Conditions that replace one another count as one for their hold time (a stream that is first
# refused and then times out has been lost since the first failure).
_GROUP = {"unreachable": "lost", "no_frames": "lost", "black": "dark", "white": "dark", "uniform": "dark"}


def _hold(condition: str, t: Thresholds) -> float:
    group = _GROUP.get(condition, condition)
    return {
        "lost": t.lost_after_s,
        "dark": t.dark_after_s,
        "covered": t.covered_after_s,
        "blurred": t.blurred_after_s,
        "moved": t.moved_after_s,
        "frozen": t.frozen_after_s,
    }[group]


@dataclass(frozen=True, slots=True)
class Observation:
    at: float
    failure: str | None = None  # "unreachable" or "no_frames"; None when a frame was measured
    detail: str = ""
    metrics: FrameMetrics | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    status: str | None  # None until the first frame or a lasting failure
    reason: str
    since: float | None  # when the condition behind ``status`` was first seen
    pending: tuple[str, ...] = ()  # conditions seen but not held long enough yet

    @property
    def online(self) -> bool:
        return self.status is not None and self.status not in OFFLINE


def frame_conditions(m: FrameMetrics, t: Thresholds) -> dict[str, str]:
    """The conditions one frame shows, each with a reason in numbers."""
    found: dict[str, str] = {}
    if m.std < t.uniform_std:
        kind = "black" if m.mean < t.black_level else "white" if m.mean > t.white_level else "uniform"
        found[kind] = f"{kind} picture: mean grey {m.mean:.0f}, spread {m.std:.1f} < {t.uniform_std:g}"
    elif m.sharpness < t.blur_sharpness:
        detail = f"sharpness {m.sharpness:.1f} < {t.blur_sharpness:g}, spread {m.std:.1f}, entropy {m.entropy:.1f} bits"
        covered = m.std < t.covered_std or m.entropy < t.covered_entropy
        found["covered" if covered else "blurred"] = ("lens covered: " if covered else "picture blurred: ") + detail
    elif m.similarity is not None and m.shift is not None and (m.similarity < t.moved_similarity or m.shift > t.moved_shift):
        found["moved"] = f"view differs from the reference: similarity {m.similarity:.2f} (min {t.moved_similarity:g}), shift {m.shift:.2f}"
    if m.change is not None and m.change < t.freeze_change:
        found["frozen"] = f"picture unchanged: mean change {m.change:.3f} < {t.freeze_change:g} grey levels"
    return found


@dataclass
class Classifier:
    thresholds: Thresholds
    status: str | None = None
    due: float | None = None  # when the earliest pending condition reaches its hold time
    _since: dict[str, float] = field(default_factory=dict)  # condition group → first seen
    _last_frame_at: float | None = None

    def observe(self, obs: Observation) -> Decision:
        if obs.failure is not None:
            conditions = {obs.failure: obs.detail or obs.failure}
            self._last_frame_at = None
        else:
            assert obs.metrics is not None
            conditions = frame_conditions(obs.metrics, self.thresholds)
            if "frozen" in conditions and "frozen" not in self._since and self._last_frame_at is not None:
                self._since["frozen"] = self._last_frame_at  # unchanged since the sample it equals
            self._last_frame_at = obs.at
        groups = {_GROUP.get(c, c) for c in conditions}
        for group in list(self._since):
            if group not in groups:
                del self._since[group]
        held: list[str] = []
        pending: list[str] = []
        for condition in conditions:
            since = self._since.setdefault(_GROUP.get(condition, condition), obs.at)
            (held if obs.at - since >= _hold(condition, self.thresholds) else pending).append(condition)
        self.due = min((self._since[_GROUP.get(c, c)] + _hold(c, self.thresholds) for c in pending), default=None)
        if held:
            status = min(held, key=PRIORITY.index)
            since = self._since[_GROUP.get(status, status)]
            self.status = status
            return Decision(status, f"{conditions[status]} for {obs.at - since:.0f} s", since, tuple(pending))
        if obs.failure is None:
            self.status = "ok"
            waiting = f" ({', '.join(pending)} for less than its hold time)" if pending else ""
            return Decision("ok", "picture ok" + waiting, obs.at, tuple(pending))
        # A failure not held long enough yet: the last status stands.
        return Decision(self.status, f"{conditions[obs.failure]} (for less than {self.thresholds.lost_after_s:g} s)", None, tuple(pending))
