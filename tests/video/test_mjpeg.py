"""Cameras served by a real HTTP MJPEG server on loopback: faults, a source killed and restarted,
credentials, and a hung stream next to healthy ones."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest
from rig import wait_for
from video_rig import THRESHOLDS, Published, first, make_camera, registry, sample_every

from scada.simulator.cameras import CameraFeed
from scada.simulator.mjpeg import MjpegServer
from video.config import Camera

FAULT_AT = 30.0
EXPECTED = {
    "freeze": ("frozen", THRESHOLDS["frozen_after_s"]),
    "black": ("black", THRESHOLDS["dark_after_s"]),
    "cover": ("covered", THRESHOLDS["covered_after_s"]),
    "turn": ("moved", THRESHOLDS["moved_after_s"]),
    "stop": ("unreachable", THRESHOLDS["lost_after_s"]),  # the camera answers 503
    "hang": ("no_frames", THRESHOLDS["lost_after_s"]),  # headers, then nothing
}


@pytest.mark.parametrize("fault", list(EXPECTED))
async def test_a_fault_on_a_live_stream_is_reported_within_its_hold_time(fault: str, tmp_path: Path, clock, checkers) -> None:
    feed = CameraFeed(11, clock=clock)
    async with MjpegServer({"/E01/CAM01.mjpg": feed}) as server:
        cam = make_camera(server.url("/E01/CAM01.mjpg"), timeout=1.0)
        checker = checkers(registry([cam]), Published(), data_dir=tmp_path, clock=clock)
        before = await sample_every(checker, clock, cam.key, FAULT_AT - 5)
        feed.set_fault(fault)
        after = await sample_every(checker, clock, cam.key, 25)

    assert {s for _, s in before} == {"ok"}
    status, hold = EXPECTED[fault]
    detected = first(after, status)
    assert detected is not None and detected <= hold + cam.check_interval_s, after
    assert {s for t, s in after if t >= detected} == {status}


async def test_killing_the_source_and_bringing_it_back_flips_the_status_both_ways(checkers) -> None:
    feed = CameraFeed(12)
    server = MjpegServer({"/cam.mjpg": feed})
    await server.start()
    cam = make_camera(server.url("/cam.mjpg"), interval=0.1, timeout=1.0, lost_after_s=0.3)
    published = Published()
    checker = checkers(registry([cam], reconnect_max_s=0.2), published)
    checker.start()
    try:
        await wait_for(lambda: published.status(cam.key) == "ok", 10, "first ok")
        await server.stop()
        await wait_for(lambda: published.status(cam.key) == "unreachable", 10, "unreachable after the kill")
        assert published.latest("E01._video.CAM01.online").value is False
        await server.start()  # same port
        await wait_for(lambda: published.status(cam.key) == "ok", 10, "ok after the restart")
        assert published.latest("E01._video.CAM01.online").value is True
    finally:
        await checker.stop()
        await server.stop()


async def test_credentials_come_from_the_environment_and_never_reach_a_log(caplog, capfd, clock, checkers) -> None:
    secret = "s3cr3t-Pa55"
    async with MjpegServer({"/cam.mjpg": CameraFeed(13)}, auth=("viewer", secret)) as server:
        good = _with_env(make_camera(server.url("/cam.mjpg"), id="GOOD", lost_after_s=0), "CAM_USER", "CAM_PASS")
        wrong = _with_env(make_camera(server.url("/cam.mjpg"), id="WRONG", lost_after_s=0), "CAM_USER", "BAD_PASS")
        bare = make_camera(server.url("/cam.mjpg"), id="BARE", lost_after_s=0)
        env = {"CAM_USER": "viewer", "CAM_PASS": secret, "BAD_PASS": "nope" + secret}
        checker = checkers(registry([good, wrong, bare]), Published(), clock=clock, environ=env)
        with caplog.at_level(logging.DEBUG):
            assert (await checker.check(good.key)).status == "ok"
            wrong_decision = await checker.check(wrong.key)
            assert (await checker.check(bare.key)).status == "unreachable"
    assert wrong_decision.status == "unreachable" and "refused" in wrong_decision.reason
    out, err = capfd.readouterr()
    assert secret not in caplog.text + out + err + repr(checker.summary())
    assert "camera status" in caplog.text  # the edges were logged (without the password)


def _with_env(cam: Camera, user_env: str, pass_env: str) -> Camera:
    from dataclasses import replace

    return replace(cam, username_env=user_env, password_env=pass_env)


async def test_a_hung_stream_never_holds_up_the_other_cameras(checkers) -> None:
    held: list[asyncio.StreamWriter] = []

    async def black_hole(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)  # accept and say nothing, ever

    hole = await asyncio.start_server(black_hole, "127.0.0.1", 0)
    hole_url = f"http://127.0.0.1:{hole.sockets[0].getsockname()[1]}/cam.mjpg"
    feeds = {f"/c{i}.mjpg": CameraFeed(20 + i) for i in range(3)}
    async with MjpegServer(feeds) as server:
        healthy = [make_camera(server.url(p), id=f"C{i}", interval=0.2, timeout=1.0) for i, p in enumerate(feeds)]
        hung = [make_camera(hole_url, id=f"H{i}", interval=0.2, timeout=1.0, lost_after_s=0.5) for i in range(2)]
        published = Published()
        checker = checkers(registry(healthy + hung, workers=2), published)  # as many hung streams as workers
        checker.start()
        try:
            await wait_for(lambda: all(published.status(c.key) == "no_frames" for c in hung), 10, "hung cameras reported")
            counts = {c.key: checker.states[c.key].checks for c in healthy}
            await asyncio.sleep(1.0)
            for c in healthy:  # about 5 samples each in that second, although both workers keep meeting hung streams
                assert checker.states[c.key].checks - counts[c.key] >= 3
                assert published.status(c.key) == "ok"
        finally:
            await checker.stop()
            hole.close()
            for w in held:
                w.close()
