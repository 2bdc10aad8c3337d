"""Cameras behind a real RTSP server on loopback: GStreamer's gst-rtsp-server (H.264) in a
subprocess, read by OpenCV's FFmpeg backend exactly as a plant camera would be."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import cv2
import pytest
from rig import free_port, wait_for
from video_rig import THRESHOLDS, Published, first, make_camera, registry, sample_every

from scada.simulator.cameras import CameraFeed

SERVER = Path(__file__).with_name("rtsp_server.py")
SYSTEM_PYTHON = "/usr/bin/python3"  # python3-gi is a Debian package
SCENES = {  # mount → (fault, frames)
    "moving": ("", 30),
    "static": ("", 8),
    "frozen": ("freeze", 1),
    "black": ("black", 4),
    "covered": ("cover", 4),
    "turned": ("turn", 8),
}
EXPECTED = {
    "frozen": ("frozen", THRESHOLDS["frozen_after_s"]),
    "black": ("black", THRESHOLDS["dark_after_s"]),
    "covered": ("covered", THRESHOLDS["covered_after_s"]),
    "turned": ("moved", THRESHOLDS["moved_after_s"]),
}


class RtspServer:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def url(self, mount: str) -> str:
        return f"rtsp://127.0.0.1:{self.port}/{mount}"

    def start(self) -> None:
        mounts = [f"/{m}={self.folder / m}" for m in SCENES]
        self.proc = subprocess.Popen([SYSTEM_PYTHON, str(SERVER), str(self.port), *mounts], stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        if line.strip() != "ready":
            self.stop()
            raise RuntimeError(f"RTSP server did not start: {line!r}")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc.stdout.close()
            self.proc = None


def _has_gst_rtsp() -> bool:
    probe = "import gi; gi.require_version('GstRtspServer', '1.0'); from gi.repository import GstRtspServer"
    return shutil.which(SYSTEM_PYTHON) is not None and subprocess.run([SYSTEM_PYTHON, "-c", probe], capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def scene_frames(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("rtsp")
    for mount, (fault, count) in SCENES.items():
        feed = CameraFeed(31, moving=mount != "static")
        feed.set_fault(fault or "clear")
        (root / mount).mkdir()
        for i in range(count):
            cv2.imwrite(str(root / mount / f"{i:03d}.jpg"), feed.frame(i / 10))
    feed = CameraFeed(31)
    cv2.imwrite(str(root / "reference.png"), feed.frame(0.0))
    return root


@pytest.fixture
def rtsp(scene_frames: Path) -> Iterator[RtspServer]:
    from services import service_missing

    if not _has_gst_rtsp():
        service_missing("GStreamer RTSP server (Debian: gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-ugly)")
    server = RtspServer(scene_frames)
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("mount", list(EXPECTED))
async def test_each_fault_on_rtsp_is_reported_within_its_hold_time(mount: str, rtsp: RtspServer, clock, checkers) -> None:
    cam = replace(make_camera(rtsp.url(mount), timeout=3.0), reference=rtsp.folder / "reference.png")
    checker = checkers(registry([cam]), Published(), clock=clock)

    samples = await sample_every(checker, clock, cam.key, 35)

    status, hold = EXPECTED[mount]
    detected = first(samples, status)
    assert detected is not None and detected <= hold + cam.check_interval_s, samples
    assert {s for t, s in samples if t >= detected} == {status}


@pytest.mark.parametrize("mount", ["moving", "static"])
async def test_normal_rtsp_scenes_raise_nothing(mount: str, rtsp: RtspServer, clock, checkers) -> None:
    cam = replace(make_camera(rtsp.url(mount), timeout=3.0), reference=rtsp.folder / "reference.png")
    checker = checkers(registry([cam]), Published(), clock=clock)

    samples = await sample_every(checker, clock, cam.key, 45)

    assert {s for _, s in samples} == {"ok"}, samples


async def test_killing_the_rtsp_server_and_restarting_it_flips_the_status_both_ways(rtsp: RtspServer, checkers) -> None:
    cam = make_camera(rtsp.url("moving"), interval=0.2, timeout=2.0, lost_after_s=0.5)
    published = Published()
    checker = checkers(registry([cam], reconnect_max_s=0.3), published)
    checker.start()
    await wait_for(lambda: published.status(cam.key) == "ok", 20, "first ok")
    rtsp.stop()
    await wait_for(lambda: published.status(cam.key) == "unreachable", 20, "unreachable after the kill")
    rtsp.start()
    await wait_for(lambda: published.status(cam.key) == "ok", 20, "ok after the restart")
    await checker.stop()
