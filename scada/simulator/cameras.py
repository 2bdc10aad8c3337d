"""Synthetic camera pictures: a plant scene per camera, with the faults a real camera shows.

A scene is a wide panorama drawn once (tanks, pipes, buildings) seen through a view window; a
moving scene has a truck driving across it, a static one has only sensor noise. Faults change what
the camera shows (frozen, black, white, covered, blurred, turned away) or whether it answers at all
(stopped, hung: served by ``scada.simulator.mjpeg``). Frames are rendered only when asked for and
cached per frame slot, so an idle camera costs nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import cv2
import numpy as np

# What the picture shows / how the stream behaves. "stop" and "hang" are the server's business.
PICTURE_FAULTS = ("freeze", "black", "white", "cover", "blur", "turn")
STREAM_FAULTS = ("stop", "hang")
CAMERA_FAULTS = (*PICTURE_FAULTS, *STREAM_FAULTS, "clear")


def _panorama(rng: np.random.Generator, width: int, height: int) -> np.ndarray:
    """A plant yard: sky gradient, ground, tanks, buildings, pipe racks and lamp posts."""
    img = np.zeros((height, width, 3), np.uint8)
    horizon = int(height * 0.45)
    sky = np.linspace(200, 140, horizon, dtype=np.float32)[:, None, None] * np.array([1.0, 0.95, 0.8], np.float32)
    img[:horizon] = sky.astype(np.uint8)
    img[horizon:] = (70, 85, 90)
    for _ in range(width // 40):  # buildings
        x, w, h = int(rng.integers(0, width)), int(rng.integers(30, 120)), int(rng.integers(40, horizon))
        colour = tuple(int(c) for c in rng.integers(60, 200, 3))
        cv2.rectangle(img, (x, horizon - h), (x + w, horizon + 10), colour, -1)
        for wy in range(horizon - h + 8, horizon, 16):  # windows
            cv2.line(img, (x + 5, wy), (x + w - 5, wy), tuple(c // 2 for c in colour), 2)
    for _ in range(width // 80):  # tanks
        cx, r = int(rng.integers(0, width)), int(rng.integers(25, 70))
        shade = int(rng.integers(150, 240))
        cv2.rectangle(img, (cx - r, horizon - r), (cx + r, horizon + r // 2), (shade, shade, shade), -1)
        cv2.ellipse(img, (cx, horizon - r), (r, r // 4), 0, 0, 360, (shade - 40,) * 3, -1)
        cv2.line(img, (cx - r, horizon), (cx + r, horizon), (90, 90, 90), 2)
    for y in (int(height * 0.7), int(height * 0.75)):  # pipe rack
        cv2.line(img, (0, y), (width, y), (40, 60, 160), 4)
    for x in np.cumsum(rng.integers(40, 200, width // 40)):  # lamp posts, irregularly spaced
        cv2.line(img, (int(x), horizon - int(rng.integers(30, 90))), (int(x), height), (30, 30, 30), 3)
    return img


class CameraFeed:
    """One simulated camera. ``fault`` is one of ``CAMERA_FAULTS`` or "" (normal)."""

    def __init__(
        self,
        seed: int,
        *,
        width: int = 640,
        height: int = 480,
        moving: bool = True,
        noise: float = 3.0,
        fps: float = 5.0,
        jpeg_quality: int = 80,
        clock: Callable[[], float] = time.time,
    ) -> None:
        rng = np.random.default_rng(seed)
        self.width, self.height = width, height
        self.moving = moving
        self.fps = fps
        self.jpeg_quality = jpeg_quality
        self._clock = clock
        self._pano = _panorama(rng, width * 2, height)
        # Sensor noise: a few precomputed fields cycled per frame; rendering stays a copy and an add.
        self._noise = [rng.normal(0.0, noise, (height, width, 3)).astype(np.int16) for _ in range(4)]
        self._truck_colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        self.fault = ""
        self._frozen: np.ndarray | None = None
        self._cache: tuple[int, bytes] | None = None

    def set_fault(self, fault: str) -> None:
        if fault not in CAMERA_FAULTS:
            raise ValueError(f"unknown camera fault {fault!r} (faults: {', '.join(CAMERA_FAULTS)})")
        fault = "" if fault == "clear" else fault
        self._frozen = self._render(self._clock()) if fault == "freeze" else None
        self.fault = fault
        self._cache = None

    def _view(self, now: float) -> np.ndarray:
        x0 = int(self.width * 0.9) if self.fault == "turn" else 0
        view = self._pano[:, x0 : x0 + self.width].copy()
        if self.moving:
            span = self.width + 160
            x = int((now * 60.0) % span) - 80
            y = int(self.height * 0.62)
            cv2.rectangle(view, (x, y), (x + 90, y + 45), self._truck_colour, -1)
            cv2.circle(view, (x + 20, y + 48), 10, (20, 20, 20), -1)
            cv2.circle(view, (x + 70, y + 48), 10, (20, 20, 20), -1)
        return view

    def _render(self, now: float) -> np.ndarray:
        if self._frozen is not None:
            return self._frozen
        slot = int(now * self.fps)
        if self.fault == "black":
            base = np.full((self.height, self.width, 3), 6, np.uint8)
        elif self.fault == "white":
            base = np.full((self.height, self.width, 3), 250, np.uint8)
        else:
            base = self._view(now)
            if self.fault == "cover":  # a hand or cloth on the lens: dark, featureless, a little light bleeding in
                small = cv2.resize(
                    cv2.convertScaleAbs(base, alpha=0.25, beta=15), (self.width // 16, self.height // 16), interpolation=cv2.INTER_AREA
                )
                base = cv2.resize(cv2.GaussianBlur(small, (0, 0), 1.5), (self.width, self.height), interpolation=cv2.INTER_CUBIC)
            elif self.fault == "blur":  # defocused or fogged lens
                small = cv2.resize(base, (self.width // 4, self.height // 4), interpolation=cv2.INTER_AREA)
                base = cv2.resize(cv2.GaussianBlur(small, (0, 0), 2.2), (self.width, self.height), interpolation=cv2.INTER_CUBIC)
        noisy = base.astype(np.int16) + self._noise[slot % len(self._noise)]
        return np.clip(noisy, 0, 255).astype(np.uint8)

    def frame(self, now: float | None = None) -> np.ndarray:
        """The BGR picture at ``now`` (default: the feed's clock)."""
        return self._render(self._clock() if now is None else now)

    def jpeg(self, now: float | None = None) -> bytes:
        """The JPEG of the current frame slot, encoded once per slot however many viewers ask."""
        now = self._clock() if now is None else now
        slot = int(now * self.fps)
        if self._cache is None or self._cache[0] != slot:
            _ok, data = cv2.imencode(".jpg", self._render(now), [cv2.IMWRITE_JPEG_QUALITY, self.jpeg_quality])
            self._cache = (slot, data.tobytes())
        return self._cache[1]
