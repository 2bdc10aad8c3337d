"""Video test helpers: cameras built in code, a controllable clock, video files, sampling on a clock."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import cv2
import numpy as np

from scada.simulator.cameras import CameraFeed
from tags import TagUpdate
from video.config import Camera, CameraRegistry, CheckerSettings, Thresholds

# Short hold times so a fault's detection time is easy to read off a 5 s sampling grid.
THRESHOLDS = dict(lost_after_s=10, frozen_after_s=20, dark_after_s=10, covered_after_s=10, blurred_after_s=10, moved_after_s=10)


class Clock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def make_camera(
    url: str, id: str = "CAM01", enterprise: str = "E01", interval: float = 5.0, timeout: float = 2.0, **thresholds: float
) -> Camera:
    return Camera(
        enterprise=enterprise,
        id=id,
        name=f"camera {id}",
        role="key_spot",
        url=url,
        hazard_source=None,
        equipment=None,
        username_env=None,
        password_env=None,
        enabled=True,
        check_interval_s=interval,
        timeout_s=timeout,
        thresholds=Thresholds(**{**THRESHOLDS, **thresholds}),
        reference=None,
    )


def registry(cameras: Iterable[Camera], workers: int = 4, reconnect_max_s: float = 60.0) -> CameraRegistry:
    return CameraRegistry(CheckerSettings(workers=workers, reconnect_max_s=reconnect_max_s), tuple(cameras))


class Published:
    """Collects what the checker publishes; ``status(key)`` is the latest status value of a camera."""

    def __init__(self) -> None:
        self.updates: list[TagUpdate] = []

    def __call__(self, batch: list[TagUpdate]) -> None:
        self.updates.extend(batch)

    def latest(self, tag: str) -> TagUpdate | None:
        return next((u for u in reversed(self.updates) if u.tag == tag), None)

    def status(self, key: str) -> object:
        ent, cam = key.split(".")
        u = self.latest(f"{ent}._video.{cam}.status")
        return None if u is None else u.value


def write_video(path: Path, segments: list[tuple[float, CameraFeed, str]], fps: float = 1.0, size: tuple[int, int] = (640, 480)) -> Path:
    """An MJPEG AVI written with cv2.VideoWriter: each segment is (seconds, feed, fault) played in turn."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, size)
    assert writer.isOpened()
    t = 0.0
    for seconds, feed, fault in segments:
        feed.set_fault(fault or "clear")
        for _ in range(int(seconds * fps)):
            frame = feed.frame(t)
            writer.write(frame if frame.shape[1::-1] == size else cv2.resize(frame, size))
            t += 1.0 / fps
    writer.release()
    return path


def frame_of(feed: CameraFeed, fault: str = "", at: float = 0.0) -> np.ndarray:
    feed.set_fault(fault or "clear")
    return feed.frame(at)


async def sample_every(checker, clock: Clock, key: str, seconds: float, step: float = 5.0) -> list[tuple[float, object]]:
    """Check ``key`` every ``step`` s of clock time for ``seconds``; returns (elapsed, status) per sample."""
    start = clock.now
    out = []
    while clock.now - start <= seconds:
        decision = await checker.check(key)
        out.append((clock.now - start, decision.status))
        clock.advance(step)
    return out


def first(samples: list[tuple[float, object]], status: str) -> float | None:
    return next((t for t, s in samples if s == status), None)
