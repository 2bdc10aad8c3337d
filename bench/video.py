"""Video liveness checks: cameras checked per CPU core at one frame per 5 s per camera.

N synthetic cameras (640×480 MJPEG over HTTP, a moving scene with sensor noise) are served by a
separate process pinned to another core; the checker runs here, with its worker processes, pinned
to one core. Every camera is sampled every ``--interval`` seconds for ``--seconds``; the CPU of this
process and of its worker processes is measured over that window. Prints:

    BENCH video_cameras_per_core        cameras one core can check at one frame per 5 s (from CPU per camera)
    BENCH video_cpu_ms_per_check        CPU per sample: open, read, decode, measure, snapshot, classify, publish
    BENCH video_cpu_pct_per_camera      share of one core one camera costs at its interval
    BENCH video_checks_per_s            samples done per wall-clock second (should be cameras / interval)
    BENCH video_check_lag_s             worst delay of a sample behind its schedule

    python bench/video.py [--cameras 200] [--interval 5] [--seconds 30] [--workers 4]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from synthetic import free_port  # noqa: E402


async def serve(port: int, cameras: int) -> None:
    from scada.simulator.cameras import CameraFeed
    from scada.simulator.mjpeg import MjpegServer

    feeds = {f"/c{i}.mjpg": CameraFeed(i, fps=2.0) for i in range(cameras)}
    async with MjpegServer(feeds, port=port):
        print("ready", flush=True)
        await asyncio.Event().wait()


def _cpu_of(pids: list[int]) -> float:
    """User + system CPU seconds of running processes (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


async def measure(port: int, cameras: int, interval: float, seconds: float, workers: int) -> dict[str, float]:
    from tags import TagBus, TagStore
    from video.checker import VideoChecker, video_tags
    from video.config import Camera, CameraRegistry, CheckerSettings, Thresholds

    cams = tuple(
        Camera(
            "B01",
            f"C{i}",
            f"bench {i}",
            "key_spot",
            f"http://127.0.0.1:{port}/c{i}.mjpg",
            None,
            None,
            None,
            None,
            True,
            interval,
            5.0,
            Thresholds(),
            None,
        )
        for i in range(cameras)
    )
    registry = CameraRegistry(CheckerSettings(workers=workers), cams)
    store = TagStore(TagBus())
    store.define(video_tags(registry))
    with tempfile.TemporaryDirectory() as data:
        checker = VideoChecker(registry, store.update, data_dir=Path(data))
        checker.start()
        await asyncio.sleep(interval * 2)  # warm-up: every worker started, every camera sampled
        pids = [os.getpid()] + [w.proc.pid for p in checker.pools.values() for w in p._all]
        checks0 = sum(s.checks for s in checker.states.values())
        cpu0, wall0 = _cpu_of(pids), time.perf_counter()
        late = 0.0
        last = {k: (s.checks, time.monotonic()) for k, s in checker.states.items()}
        end = wall0 + seconds
        while time.perf_counter() < end:
            await asyncio.sleep(0.25)
            now = time.monotonic()
            for k, s in checker.states.items():
                n, at = last[k]
                if s.checks != n:
                    last[k] = (s.checks, now)
                else:
                    late = max(late, now - at - interval)
        pids = [os.getpid()] + [w.proc.pid for p in checker.pools.values() for w in p._all]
        cpu, wall = _cpu_of(pids) - cpu0, time.perf_counter() - wall0
        checks = sum(s.checks for s in checker.states.values()) - checks0
        statuses = {s.decision.status for s in checker.states.values() if s.decision}
        await checker.stop()
    if statuses != {"ok"}:
        print(f"warning: statuses seen {statuses}", file=sys.stderr)
    per_check = cpu / max(1, checks)
    return {"checks": checks, "cpu": cpu, "wall": wall, "per_check": per_check, "late": max(0.0, late)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cameras", type=int, default=200)
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # internal: be the camera server on this port
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.serve, args.cameras))
        return

    cores = sorted(os.sched_getaffinity(0))
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), "--cameras", str(args.cameras)], stdout=subprocess.PIPE, text=True
    )
    try:
        if server.stdout.readline().strip() != "ready":
            raise SystemExit("the camera server did not start")
        if len(cores) > 1:  # the server on the last core, the checker (and its workers) on the first
            os.sched_setaffinity(server.pid, {cores[-1]})
            os.sched_setaffinity(0, {cores[0]})
        r = asyncio.run(measure(port, args.cameras, args.interval, args.seconds, args.workers))
    finally:
        server.terminate()
        server.wait()
    per_camera_core = r["per_check"] / args.interval  # share of a core one camera costs
    print(
        f"# {args.cameras} cameras every {args.interval:g} s for {r['wall']:.0f} s: {r['checks']} checks, {r['cpu']:.2f} CPU s",
        file=sys.stderr,
    )
    print(f"BENCH video_cameras_per_core {5.0 / r['per_check']:.0f} cameras")  # at one frame per 5 s
    print(f"BENCH video_cpu_ms_per_check {r['per_check'] * 1000:.2f} ms")
    print(f"BENCH video_cpu_pct_per_camera {per_camera_core * 100:.3f} %")
    print(f"BENCH video_checks_per_s {r['checks'] / r['wall']:.1f} checks/s")
    print(f"BENCH video_check_lag_s {r['late']:.2f} s")


if __name__ == "__main__":
    main()
