"""Image measures for liveness checks: pure functions of grey frames, no state, no I/O.

Every measure works on a downscaled grey copy (``analysis_frame``): resolution-independent
thresholds, a cost of well under a millisecond per frame, and averaging that tames sensor noise.

- brightness and contrast: mean and standard deviation of the grey levels;
- sharpness: variance of the Laplacian on a lightly smoothed 160-pixel-wide copy (smoothing first
  keeps sensor noise from passing for detail);
- entropy: bits of the grey histogram (a covered lens shows few distinct levels);
- change: mean absolute difference from the previous sample, in grey levels. A live camera never
  delivers two identical samples — sensor noise alone moves every pixel — so a frozen stream is
  one whose change stays below a small fraction of the noise, not one with exactly equal bytes;
- view: normalised correlation of the central part of the reference view searched in the current
  one, giving a similarity and the offset at which the reference part was found.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

ANALYSIS_WIDTH = 320
SHARPNESS_WIDTH = 160
VIEW_WIDTH = 80
VIEW_MARGIN = 0.15  # share of the width/height cut from each side of the reference for the search template


@dataclass(frozen=True, slots=True)
class FrameMetrics:
    mean: float
    std: float
    sharpness: float
    entropy: float
    change: float | None = None  # None: no previous sample to compare with
    similarity: float | None = None  # None: no reference view
    shift: float | None = None  # offset of the reference part, as a share of the frame width


def analysis_frame(image: np.ndarray) -> np.ndarray:
    """Grey, ``ANALYSIS_WIDTH`` pixels wide (area averaging), aspect ratio kept."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    h, w = grey.shape
    height = max(1, round(h * ANALYSIS_WIDTH / w))
    return cv2.resize(grey, (ANALYSIS_WIDTH, height), interpolation=cv2.INTER_AREA)


def _shrink(grey: np.ndarray, width: int) -> np.ndarray:
    h, w = grey.shape
    return cv2.resize(grey, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)


def brightness(grey: np.ndarray) -> tuple[float, float]:
    mean, std = cv2.meanStdDev(grey)
    return float(mean[0, 0]), float(std[0, 0])


def sharpness(grey: np.ndarray) -> float:
    small = cv2.GaussianBlur(_shrink(grey, SHARPNESS_WIDTH), (3, 3), 0)
    _, std = cv2.meanStdDev(cv2.Laplacian(small, cv2.CV_32F))
    return float(std[0, 0]) ** 2


def entropy(grey: np.ndarray) -> float:
    hist = cv2.calcHist([grey], [0], None, [256], [0, 256]).ravel()
    p = hist[hist > 0] / hist.sum()
    return float(-(p * np.log2(p)).sum())


def change(grey: np.ndarray, previous: np.ndarray) -> float:
    """Mean absolute grey-level difference; frames of another size (the camera changed resolution) differ fully."""
    if grey.shape != previous.shape:
        return 255.0
    return float(cv2.mean(cv2.absdiff(grey, previous))[0])


def _detail(grey: np.ndarray) -> np.ndarray:
    """Small, smoothed, with the broad shading removed: matching follows the scene's structure (edges,
    objects), not the split between sky and ground that every outdoor view shares."""
    small = cv2.GaussianBlur(_shrink(grey, VIEW_WIDTH), (3, 3), 0).astype(np.float32)
    return small - cv2.GaussianBlur(small, (0, 0), 4)


def view_template(reference: np.ndarray) -> np.ndarray:
    """The central part of the reference view's detail, to search for in later frames."""
    small = _detail(reference)
    h, w = small.shape
    my, mx = round(h * VIEW_MARGIN), round(w * VIEW_MARGIN)
    return small[my : h - my, mx : w - mx]


def view_match(grey: np.ndarray, template: np.ndarray) -> tuple[float, float]:
    """(similarity −1…1, shift as a share of the width) of ``template`` found in ``grey``."""
    small = _detail(grey)
    if small.shape[0] < template.shape[0] or small.shape[1] < template.shape[1]:
        return 0.0, 1.0
    scores = cv2.matchTemplate(small, template, cv2.TM_CCOEFF_NORMED)
    _, best, _, (x, y) = cv2.minMaxLoc(scores)
    cy, cx = (small.shape[0] - template.shape[0]) / 2, (small.shape[1] - template.shape[1]) / 2
    return float(best), float(np.hypot(x - cx, y - cy)) / small.shape[1]


def measure(grey: np.ndarray, previous: np.ndarray | None = None, template: np.ndarray | None = None) -> FrameMetrics:
    """Every measure of one analysis frame; ``previous`` and ``template`` are optional."""
    mean, std = brightness(grey)
    similarity = shift = None
    if template is not None:
        similarity, shift = view_match(grey, template)
    return FrameMetrics(
        mean=mean,
        std=std,
        sharpness=sharpness(grey),
        entropy=entropy(grey),
        change=None if previous is None else change(grey, previous),
        similarity=similarity,
        shift=shift,
    )
