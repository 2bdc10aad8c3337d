"""A worker process that takes camera samples: ``python -m video.worker``.

It reads ``SampleRequest``s and answers ``SampleReply``s, each framed as a 4-byte length and a
pickle, on its standard input and output. Per request: grab one frame (``video.capture``), write the
snapshot thumbnail, and send back the 320-pixel grey analysis frame — small, and all the server
needs to measure. The server kills a worker whose answer is late; nothing here needs to clean up.
"""

from __future__ import annotations

import os
import pickle
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

HEADER = struct.Struct(">I")


@dataclass(frozen=True, slots=True)
class SampleRequest:
    url: str  # with credentials when the camera has them: only ever sent down the pipe
    shown_as: str  # the masked address, for messages
    timeout_s: float
    position_s: float | None = None  # a file source: which second of the video is "now"
    snapshot: str | None = None  # where to write the thumbnail
    snapshot_width: int = 320
    snapshot_quality: int = 70


@dataclass(frozen=True, slots=True)
class SampleReply:
    grey: np.ndarray | None
    failure: str | None
    detail: str
    elapsed_s: float
    cpu_s: float  # CPU this sample cost the worker


def write_message(out: BinaryIO, message: object) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(HEADER.pack(len(data)) + data)
    out.flush()


def read_message(inp: BinaryIO) -> object | None:
    head = inp.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    return pickle.loads(inp.read(HEADER.unpack(head)[0]))


def take(request: SampleRequest) -> SampleReply:
    from video.capture import file_path, grab_file, grab_stream
    from video.metrics import analysis_frame
    from video.views import write_thumbnail

    start, cpu = time.monotonic(), time.process_time()
    grey, failure, detail = None, None, ""
    try:
        path = file_path(request.url)
        if path is not None:
            grab = grab_file(path, request.position_s or 0.0)
        else:
            grab = grab_stream(request.url, request.shown_as, request.timeout_s)
        failure, detail = grab.failure, grab.detail
        if grab.frame is not None:
            grey = analysis_frame(grab.frame)
            if request.snapshot:
                write_thumbnail(Path(request.snapshot), grab.frame, request.snapshot_width, request.snapshot_quality)
    except Exception as exc:  # a decoder error or an unwritable snapshot folder: an answer, not a dead worker
        failure, detail = failure or "no_frames", f"{request.shown_as}: {type(exc).__name__}: {exc}".replace(request.url, request.shown_as)
    return SampleReply(grey, failure, detail, time.monotonic() - start, time.process_time() - cpu)


def main() -> None:
    # The answers go down the original stdout; anything a library prints lands on stderr instead of
    # corrupting the framing.
    channel = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    import video.capture  # noqa: F401 — load OpenCV before the first request and say so

    write_message(channel, "ready")
    while (request := read_message(sys.stdin.buffer)) is not None:
        assert isinstance(request, SampleRequest)
        write_message(channel, take(request))


if __name__ == "__main__":
    # Run as ``-m``, this file is ``__main__``; the messages must be the importable module's classes.
    from video.worker import main as worker_main

    worker_main()
