"""Files a camera leaves on disk: its latest snapshot (for the HMI video wall) and its reference view.

Layout under the data folder::

    video/snapshots/E01/CAM01.jpg     latest picture, ``snapshot_width`` pixels wide, replaced atomically
    video/references/E01/CAM01.png    the learnt reference view (320-pixel grey), when none is configured

A reference is learnt from the first healthy picture (not dark, covered or blurred) and kept until
deleted (``scada video reference E01.CAM01 --reset``, e.g. after a camera was deliberately re-aimed);
the checker notices a deleted or replaced file at its next sample. Blocking file I/O: worker threads.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import cv2
import numpy as np

from video.metrics import analysis_frame, view_template

if TYPE_CHECKING:  # worker processes import this module: keep them free of the configuration machinery
    from video.config import Camera


def atomic_write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the HMI may serve it from another process
        os.replace(tmp, path)  # a reader sees the old picture or the new one, never half of one
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_thumbnail(path: Path, frame: np.ndarray, width: int, quality: int) -> int:
    """A JPEG of ``frame`` at most ``width`` pixels wide, written atomically; returns its size in bytes."""
    h, w = frame.shape[:2]
    if w > width:
        frame = cv2.resize(frame, (width, max(1, round(h * width / w))), interpolation=cv2.INTER_AREA)
    _ok, data = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, quality])
    atomic_write(path, data.tobytes())
    return len(data)


def _camera_file(folder: Path, camera: Camera | str, suffix: str) -> Path:
    key = camera if isinstance(camera, str) else camera.key
    enterprise, _, cam = key.partition(".")
    return folder / enterprise / f"{cam}{suffix}"


class Snapshots:
    def __init__(self, folder: Path, width: int = 320, quality: int = 70) -> None:
        self.folder = folder
        self.width = width
        self.quality = quality

    def path(self, camera: Camera | str) -> Path:
        return _camera_file(self.folder, camera, ".jpg")

    def save(self, camera: Camera, frame: np.ndarray) -> int:
        """Write the thumbnail; returns its size in bytes."""
        return write_thumbnail(self.path(camera), frame, self.width, self.quality)

    def read(self, camera: Camera | str) -> bytes | None:
        try:
            return self.path(camera).read_bytes()
        except FileNotFoundError:
            return None


class ReferenceViews:
    """Reference view per camera: the configured image, else one learnt into ``folder``."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self._cache: dict[str, tuple[float, np.ndarray]] = {}  # camera → (file mtime, view template)

    def path(self, camera: Camera) -> Path | None:
        if camera.reference is not None:
            return camera.reference
        return _camera_file(self.folder, camera, ".png") if self.folder is not None else None

    def template(self, camera: Camera) -> np.ndarray | None:
        path = self.path(camera)
        if path is None:
            return None
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:
            self._cache.pop(camera.key, None)
            return None
        cached = self._cache.get(camera.key)
        if cached is None or cached[0] != mtime:
            image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
            if image is None:
                return None
            cached = (mtime, view_template(analysis_frame(image)))
            self._cache[camera.key] = cached
        return cached[1]

    def learn(self, camera: Camera, grey: np.ndarray) -> Path | None:
        """Store ``grey`` as the reference unless one is configured or already stored."""
        path = self.path(camera)
        if path is None or camera.reference is not None or path.exists():
            return None
        _ok, data = cv2.imencode(".png", grey)
        atomic_write(path, data.tobytes())
        return path

    def reset(self, camera: Camera) -> bool:
        """Forget a learnt reference (the next healthy picture becomes the new one)."""
        path = self.path(camera)
        if path is None or camera.reference is not None or not path.exists():
            return False
        path.unlink()
        self._cache.pop(camera.key, None)
        return True
