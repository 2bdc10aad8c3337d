"""Worker processes: a sample past its deadline costs a killed worker, not the pool; a dead worker is replaced."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from scada.simulator.cameras import CameraFeed
from scada.simulator.mjpeg import MjpegServer
from video.pool import WorkerGone, WorkerPool
from video.worker import SampleRequest


async def test_a_sample_past_its_deadline_kills_its_worker_and_the_pool_carries_on() -> None:
    held: list[asyncio.StreamWriter] = []

    async def black_hole(_r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        held.append(w)

    hole = await asyncio.start_server(black_hole, "127.0.0.1", 0)
    hung = SampleRequest(f"http://127.0.0.1:{hole.sockets[0].getsockname()[1]}/x.mjpg", "hung", timeout_s=30.0)
    pool = WorkerPool(1, "test")
    async with MjpegServer({"/c.mjpg": CameraFeed(1)}) as server:
        good = SampleRequest(server.url("/c.mjpg"), "good", timeout_s=2.0)
        try:
            assert (await pool.run(good, 10)).grey is not None  # the worker is up
            pid = next(iter(pool._all)).proc.pid
            with pytest.raises(TimeoutError):
                await pool.run(hung, 0.5)  # OpenCV would wait 30 s: the pool does not
            assert pool.killed == 1
            with pytest.raises(ProcessLookupError):
                os.kill(pid, 0)  # really gone
            reply = await pool.run(good, 10)  # a fresh worker took its place
            assert reply.grey is not None and reply.grey.shape == (240, 320) and reply.cpu_s > 0
        finally:
            await pool.close()
            hole.close()
            for w in held:
                w.close()


async def test_a_worker_that_dies_is_reported_and_replaced() -> None:
    pool = WorkerPool(1, "test")
    async with MjpegServer({"/c.mjpg": CameraFeed(2)}) as server:
        good = SampleRequest(server.url("/c.mjpg"), "good", timeout_s=2.0)
        try:
            await pool.run(good, 10)
            os.kill(next(iter(pool._all)).proc.pid, signal.SIGKILL)
            await asyncio.sleep(0.1)
            with pytest.raises(WorkerGone):
                await pool.run(good, 10)
            assert (await pool.run(good, 10)).grey is not None
        finally:
            await pool.close()


async def test_a_missing_file_and_a_refused_stream_are_answers_not_errors(tmp_path) -> None:
    pool = WorkerPool(1, "test")
    try:
        reply = await pool.run(SampleRequest(f"file:{tmp_path / 'none.avi'}", "f", 1.0, position_s=0.0), 10)
        assert (reply.grey, reply.failure) == (None, "unreachable") and "not found" in reply.detail
        async with MjpegServer({"/c.mjpg": CameraFeed(3)}) as server:
            reply = await pool.run(SampleRequest(server.url("/nope.mjpg"), "masked-address", 2.0), 10)
        assert reply.failure == "unreachable" and reply.detail.startswith("masked-address: the camera refused")
    finally:
        await pool.close()
