"""The liveness checker: every camera sampled on its interval, statuses published on the tag bus.

One asyncio task per camera schedules its samples; the samples themselves (open, read, measure,
snapshot) run in shared ``WorkerPool``s under a deadline. Two lanes keep a hung stream from holding
up the others: a camera whose last sample failed is sampled in the retry lane (half as many
workers), so cameras that hang until their timeout only ever wait for each other, and a call that
outlives its deadline costs one written-off thread and a ``no_frames`` status. A failing camera is retried with
back-off (from its interval up to ``reconnect_max_s``), but never later than the moment a pending
condition would reach its hold time: a fault is reported at its configured time, not a back-off later.

Published points, per camera ``ENT.CAM``:

- ``ENT._video.CAM.online`` (bool): frames are arriving;
- ``ENT._video.CAM.status`` (str): one of ``video.classifier.STATUSES``.

Both Good once decided (Bad_WaitingForInitialData before), Bad_OutOfService for a disabled camera.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from scada.drivers.backoff import Backoff
from scada.tasks import cancel_and_wait
from tags import Quality, TagUpdate
from video.availability import AvailabilityTracker
from video.capture import file_path, with_credentials
from video.classifier import Classifier, Decision, Observation, frame_conditions
from video.config import Camera, CameraRegistry, CheckerSettings
from video.metrics import FrameMetrics, measure
from video.pool import WorkerGone, WorkerPool
from video.views import ReferenceViews, Snapshots, atomic_write
from video.worker import SampleReply, SampleRequest

log = logging.getLogger(__name__)

Publish = Callable[[list[TagUpdate]], None]
GOOD = int(Quality.GOOD)
STATUS_FILE = "status.json"


def online_tag(camera: Camera) -> str:
    return f"{camera.enterprise}._video.{camera.id}.online"


def status_tag(camera: Camera) -> str:
    return f"{camera.enterprise}._video.{camera.id}.status"


def video_tags(registry: CameraRegistry) -> list[str]:
    return [tag for c in registry.cameras for tag in (online_tag(c), status_tag(c))]


class CameraProbe:
    """One camera's sampling: the request for a worker process, then measuring its answer.

    ``analyse`` reads and may write the reference view (file I/O): call it in an executor."""

    def __init__(
        self, camera: Camera, views: ReferenceViews, snapshots: Snapshots | None, settings: CheckerSettings, environ: Mapping[str, str]
    ) -> None:
        self.camera = camera
        self.views = views
        self.snapshots = snapshots
        self.settings = settings
        self._env = environ
        self.previous: np.ndarray | None = None
        self.last_metrics: FrameMetrics | None = None
        self._origin: float | None = None  # a file camera's clock start

    def request(self, at: float) -> SampleRequest | Observation:
        """What to ask a worker for, or at once a failure (credentials missing from the environment)."""
        cam = self.camera
        missing = [name for name in (cam.username_env, cam.password_env) if name and name not in self._env]
        if missing:
            return Observation(at, "unreachable", f"{cam.masked_url}: environment variable {', '.join(missing)} not set (credentials)")
        if self._origin is None:
            self._origin = at
        return SampleRequest(
            url=with_credentials(cam.url, self._env.get(cam.username_env or ""), self._env.get(cam.password_env or "")),
            shown_as=cam.masked_url,
            timeout_s=cam.timeout_s,
            position_s=at - self._origin if file_path(cam.url) is not None else None,
            snapshot=str(self.snapshots.path(cam)) if self.snapshots is not None else None,
            snapshot_width=self.settings.snapshot_width,
            snapshot_quality=self.settings.snapshot_quality,
        )

    def analyse(self, at: float, reply: SampleReply) -> Observation:
        if reply.grey is None:
            self.previous = None
            return Observation(at, reply.failure or "no_frames", reply.detail)
        metrics = measure(reply.grey, self.previous, self.views.template(self.camera))
        self.previous, self.last_metrics = reply.grey, metrics
        if metrics.similarity is None and not frame_conditions(metrics, self.camera.thresholds):
            self.views.learn(self.camera, reply.grey)
        return Observation(at, None, "", metrics)


@dataclass
class CameraState:
    camera: Camera
    probe: CameraProbe
    classifier: Classifier
    backoff: Backoff
    decision: Decision | None = None
    last_observation: Observation | None = None
    checks: int = 0
    task: asyncio.Task[None] | None = field(default=None, repr=False)


class VideoChecker:
    def __init__(
        self,
        registry: CameraRegistry,
        publish: Publish,
        *,
        data_dir: Path | None = None,
        engine: Engine | None = None,
        clock: Callable[[], float] = time.time,
        environ: Mapping[str, str] | None = None,
        flush_interval_s: float = 30.0,
    ) -> None:
        self.registry = registry
        self._publish = publish
        self._clock = clock
        self.engine = engine
        self.flush_interval_s = flush_interval_s
        settings = registry.checker
        self.folder = data_dir / "video" if data_dir is not None else None
        self.snapshots = Snapshots(self.folder / "snapshots", settings.snapshot_width, settings.snapshot_quality) if self.folder else None
        self.views = ReferenceViews(self.folder / "references" if self.folder else None)
        longest = max([c.check_interval_s for c in registry.cameras], default=1.0)
        self.availability = AvailabilityTracker(max_gap_s=3 * longest + settings.reconnect_max_s)
        self.pools: dict[str, WorkerPool] = {}  # "main" and "retry" lanes, made on first use
        self._retired_cpu_s = 0.0
        self.states: dict[str, CameraState] = {}
        for cam in registry.cameras:
            if not cam.enabled:
                continue
            probe = CameraProbe(cam, self.views, self.snapshots, settings, os.environ if environ is None else environ)
            backoff = Backoff(initial_s=cam.check_interval_s, maximum_s=max(cam.check_interval_s, settings.reconnect_max_s))
            self.states[cam.key] = CameraState(cam, probe, Classifier(cam.thresholds), backoff)
        self._flusher: asyncio.Task[None] | None = None

    # -- one check ----------------------------------------------------------------------------------

    @property
    def worker_cpu_s(self) -> float:
        """CPU the worker processes spent on samples so far."""
        return sum(p.cpu_s for p in self.pools.values()) + self._retired_cpu_s

    def _lane(self, state: CameraState) -> WorkerPool:
        failing = state.last_observation is not None and state.last_observation.failure is not None
        lane = "retry" if failing else "main"
        if lane not in self.pools:
            workers = self.registry.checker.workers
            self.pools[lane] = WorkerPool(max(1, workers // 2) if failing else workers, name=f"video-{lane}")
        return self.pools[lane]

    async def check(self, key: str) -> Decision:
        """Sample camera ``key`` now, decide and publish its status."""
        state = self.states[key]
        cam = state.camera
        at = self._clock()
        request = state.probe.request(at)
        if isinstance(request, Observation):
            obs = request
        else:
            deadline = 3 * cam.timeout_s + 2.0  # connect, open and read each have cam.timeout_s; margin for decoding
            try:
                reply = await self._lane(state).run(request, deadline)
            except TimeoutError:
                obs = Observation(at, "no_frames", f"{cam.masked_url}: no answer within {deadline:g} s (the stream hangs)")
            except WorkerGone as exc:
                obs = Observation(at, "no_frames", f"{cam.masked_url}: the sample's worker died ({exc})")
            else:
                obs = await asyncio.get_running_loop().run_in_executor(None, state.probe.analyse, at, reply)
        decision = state.classifier.observe(obs)
        state.checks += 1
        state.last_observation = obs
        self._record(state, decision, obs.at)
        return decision

    def _record(self, state: CameraState, decision: Decision, at: float) -> None:
        previous = state.decision.status if state.decision else None
        state.decision = decision
        if decision.status is None:
            return
        cam = state.camera
        if decision.status != previous:
            level = logging.INFO if decision.status == "ok" else logging.WARNING
            ctx = {"camera": cam.key, "status": decision.status, "was": previous, "reason": decision.reason}
            log.log(level, "camera status", extra={"ctx": ctx})
        self.availability.note(cam.key, decision.status, at)
        self._publish([TagUpdate(online_tag(cam), decision.online, GOOD, at), TagUpdate(status_tag(cam), decision.status, GOOD, at)])

    # -- scheduling -----------------------------------------------------------------------------------

    def next_delay(self, state: CameraState) -> float:
        """Seconds until the camera's next sample."""
        cam = state.camera
        obs = state.last_observation
        if obs is not None and obs.failure is not None:
            delay = state.backoff.next_delay()
        else:
            state.backoff.reset()
            delay = cam.check_interval_s
        due = state.classifier.due
        if due is not None:
            delay = min(delay, max(0.05, due - self._clock()))
        return delay

    async def _run_camera(self, state: CameraState, first_delay: float) -> None:
        await asyncio.sleep(first_delay)
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            await self.check(state.camera.key)
            # On a fixed cadence: the time the sample took (queueing for a worker included) is not added to the interval.
            await asyncio.sleep(max(0.0, self.next_delay(state) - (loop.time() - started)))

    async def _run_flusher(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval_s)
            await self.flush()

    async def flush(self) -> None:
        """Availability into the store, statuses into ``status.json`` (for ``scada video status``)."""
        loop = asyncio.get_running_loop()
        if self.engine is not None:
            try:
                await loop.run_in_executor(None, self.availability.flush, self.engine)
            except Exception:  # the store being away must not stop the checks; the seconds are lost, logged
                log.exception("cannot record video availability")
        if self.folder is not None:
            data = json.dumps({"at": self._clock(), "cameras": self.summary()}, ensure_ascii=False, indent=1).encode()
            await loop.run_in_executor(None, atomic_write, self.folder / STATUS_FILE, data)

    def start(self) -> None:
        self._publish_disabled()
        n = max(1, len(self.states))
        for i, state in enumerate(self.states.values()):
            first = state.camera.check_interval_s * i / n  # spread the samples over the interval
            state.task = asyncio.create_task(self._run_camera(state, first), name=f"video-{state.camera.key}")
        self._flusher = asyncio.create_task(self._run_flusher(), name="video-flush")
        log.info("video checks running", extra={"ctx": {"cameras": len(self.states), "workers": self.registry.checker.workers}})

    def _publish_disabled(self) -> None:
        now, bad = self._clock(), int(Quality.BAD_OUT_OF_SERVICE)
        updates = [TagUpdate(t, None, bad, now) for c in self.registry.cameras if not c.enabled for t in (online_tag(c), status_tag(c))]
        if updates:
            self._publish(updates)

    async def stop(self) -> None:
        tasks = [s.task for s in self.states.values() if s.task is not None] + ([self._flusher] if self._flusher else [])
        await asyncio.gather(*(cancel_and_wait(task) for task in tasks))  # a check can lose a cancellation in a timeout
        for s in self.states.values():
            s.task = None
        self._flusher = None
        await self.flush()
        pools, self.pools = list(self.pools.values()), {}
        for pool in pools:
            await pool.close()
            self._retired_cpu_s += pool.cpu_s

    def summary(self) -> list[dict[str, object]]:
        out: list[dict[str, object]] = []
        for key, s in self.states.items():
            d, m = s.decision, s.probe.last_metrics
            out.append(
                {
                    "camera": key,
                    "name": s.camera.name,
                    "status": d.status if d else None,
                    "online": d.online if d else None,
                    "reason": d.reason if d else "",
                    "since": d.since if d else None,
                    "checks": s.checks,
                    "url": s.camera.masked_url,
                    "metrics": None if m is None else {k: None if v is None else round(v, 3) for k, v in _fields(m).items()},
                }
            )
        return out


def _fields(m: FrameMetrics) -> dict[str, float | None]:
    return {name: getattr(m, name) for name in m.__slots__}
