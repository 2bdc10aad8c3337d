"""One frame from a camera: open, read, close — blocking, bounded in time, credentials kept hidden.

Liveness checks sample one frame every few seconds, so a stream is opened for each sample rather
than kept open: a kept RTSP/MJPEG stream must be read (and decoded) continuously or it goes stale,
which would cost a full decode per camera. Opening a 640×480 H.264 RTSP stream costs ~15 ms of CPU,
an MJPEG one ~3 ms.

These functions run in a worker process (``video.worker``), never in the server's own process:
OpenCV's FFmpeg backend opens streams under one process-wide lock, so in-process a single hung
``open`` would stall every other camera until its timeout, and RTSP opens (~0.2 s of waiting on
the network each) would queue behind one another.

Failures are values, not exceptions: ``unreachable`` (no TCP connection, or the server refused the
stream) or ``no_frames`` (connected, but no picture within the timeout). A file source plays as a
camera would: the caller says which second of the file is "now" (looping).
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

# FFmpeg's own messages can carry a stream's address; silence them before the first stream opens.
# TCP for RTSP (no lost UDP packets on busy networks), and a short probe: the codec parameters of a
# camera stream are known after a fraction of a second; FFmpeg's default analysis takes ~3 s.
os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS", "rtsp_transport;tcp|analyzeduration;200000|probesize;262144")

import cv2
import numpy as np

cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
DEFAULT_PORTS = {"rtsp": 554, "rtsps": 322, "http": 80, "https": 443}


@dataclass(frozen=True, slots=True)
class Grab:
    frame: np.ndarray | None  # BGR picture, None on failure
    failure: str | None = None  # "unreachable" or "no_frames"
    detail: str = ""  # why, with the masked address


def file_path(url: str) -> Path | None:
    """The path of a file source (``file:path``, ``file:///abs`` or a bare path), or None for a network stream."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return Path(parts.netloc + parts.path) if parts.netloc not in ("", "localhost") else Path(parts.path)
    return Path(url) if len(parts.scheme) <= 1 else None


def with_credentials(url: str, username: str | None, password: str | None) -> str:
    if not username and not password:
        return url
    parts = urlsplit(url)
    userinfo = quote(username or "", safe="") + (":" + quote(password, safe="") if password else "")
    netloc = f"{userinfo}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def grab_file(path: Path, position_s: float) -> Grab:
    """The frame at ``position_s`` seconds into the file (looping)."""
    if not path.is_file():
        return Grab(None, "unreachable", f"file {path} not found")
    cap = cv2.VideoCapture(str(path))
    try:
        count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        if not cap.isOpened() or count <= 0:
            return Grab(None, "no_frames", f"file {path} holds no readable video")
        fps = cap.get(cv2.CAP_PROP_FPS) or 25.0
        cap.set(cv2.CAP_PROP_POS_FRAMES, int(position_s * fps) % count)
        ok, frame = cap.read()
    finally:
        cap.release()
    return Grab(frame, None) if ok else Grab(None, "no_frames", f"file {path}: no frame could be decoded")


def grab_stream(url: str, shown_as: str, timeout_s: float) -> Grab:
    """One frame of a network stream; ``url`` may carry credentials, messages only name ``shown_as``."""
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or DEFAULT_PORTS.get(parts.scheme, 80)
    try:  # a plain connect first tells an absent camera from one that answers but sends no picture
        socket.create_connection((host, port), timeout=timeout_s).close()
    except OSError as exc:
        return Grab(None, "unreachable", f"{shown_as}: cannot connect to {host}:{port} ({exc.strerror or exc})")
    timeout_ms = int(timeout_s * 1000)
    opened_at = time.monotonic()
    params = [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_N_THREADS, 1]
    cap = cv2.VideoCapture(url, cv2.CAP_FFMPEG, params)
    try:
        if not cap.isOpened():
            if time.monotonic() - opened_at >= 0.9 * timeout_s:
                return Grab(None, "no_frames", f"{shown_as}: connected, but no stream within {timeout_s:g} s")
            return Grab(None, "unreachable", f"{shown_as}: the camera refused the stream (wrong path or credentials?)")
        ok, frame = cap.read()
    finally:
        cap.release()
    if not ok or frame is None:
        return Grab(None, "no_frames", f"{shown_as}: connected, but no frame within {timeout_s:g} s")
    return Grab(frame, None)
