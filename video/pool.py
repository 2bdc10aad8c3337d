"""Worker processes for camera samples, shared by every camera, that a hung stream cannot exhaust.

``run`` waits for a free worker (no deadline: waiting one's turn is not the camera's fault; a new
worker's start-up is not either), then gives the sample ``timeout`` seconds. A worker past its
deadline is killed and replaced; its caller gets ``TimeoutError``. Processes rather than threads:
OpenCV's FFmpeg backend opens streams under a process-wide lock (see ``video.capture``), and a
process, unlike a thread, can be stopped when a call never returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import pickle
import sys

from video.worker import HEADER, SampleReply, SampleRequest

log = logging.getLogger(__name__)


class WorkerGone(Exception):
    """A worker process died or answered nonsense."""


class _Worker:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.cpu_s = 0.0

    @classmethod
    async def start(cls) -> _Worker:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "video.worker", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE
        )
        worker = cls(proc)
        if await worker._read() != "ready":
            await worker.kill()
            raise WorkerGone("a video worker did not start")
        return worker

    async def _read(self) -> object:
        assert self.proc.stdout is not None
        try:
            head = await self.proc.stdout.readexactly(HEADER.size)
            return pickle.loads(await self.proc.stdout.readexactly(HEADER.unpack(head)[0]))
        except (asyncio.IncompleteReadError, pickle.UnpicklingError) as exc:
            raise WorkerGone(f"video worker {self.proc.pid} exited (status {self.proc.returncode})") from exc

    async def call(self, request: SampleRequest) -> SampleReply:
        assert self.proc.stdin is not None
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        self.proc.stdin.write(HEADER.pack(len(data)) + data)
        try:
            await self.proc.stdin.drain()
        except ConnectionError as exc:
            raise WorkerGone(f"video worker {self.proc.pid} is gone") from exc
        reply = await self._read()
        if not isinstance(reply, SampleReply):
            raise WorkerGone(f"video worker {self.proc.pid} answered {type(reply).__name__}")
        self.cpu_s += reply.cpu_s
        return reply

    async def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.proc.kill()
        await self.proc.wait()

    async def close(self) -> None:
        if self.proc.stdin is not None and not self.proc.stdin.is_closing():
            self.proc.stdin.close()  # end of input: the worker returns
        try:
            await asyncio.wait_for(self.proc.wait(), 5.0)
        except TimeoutError:
            await self.kill()


class WorkerPool:
    def __init__(self, workers: int = 4, name: str = "video") -> None:
        self.name = name
        self.size = workers
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._starting = 0
        self.killed = 0  # workers killed for missing a deadline
        self._closed = False
        self.retired_cpu_s = 0.0  # CPU of workers no longer running

    @property
    def cpu_s(self) -> float:
        """CPU spent on samples by this pool's workers, in total."""
        return self.retired_cpu_s + sum(w.cpu_s for w in self._all)

    async def _acquire(self) -> _Worker:
        if self._idle.empty() and len(self._all) + self._starting < self.size:
            self._starting += 1
            try:
                worker = await _Worker.start()
            finally:
                self._starting -= 1
            self._all.add(worker)
            return worker
        return await self._idle.get()

    async def _retire(self, worker: _Worker, kill: bool) -> None:
        self._all.discard(worker)
        self.retired_cpu_s += worker.cpu_s
        await (worker.kill() if kill else worker.close())

    async def run(self, request: SampleRequest, timeout: float) -> SampleReply:
        if self._closed:
            raise RuntimeError("worker pool is closed")
        worker = await self._acquire()
        try:
            reply = await asyncio.wait_for(worker.call(request), timeout)
        except TimeoutError:
            self.killed += 1
            log.warning("video worker missed its deadline; replacing it", extra={"ctx": {"pool": self.name, "timeout_s": timeout}})
            await self._retire(worker, kill=True)
            raise
        except BaseException:  # died, or our caller was cancelled mid-call: its state is unknown
            await asyncio.shield(self._retire(worker, kill=True))
            raise
        if self._closed:
            await self._retire(worker, kill=False)
        else:
            self._idle.put_nowait(worker)
        return reply

    async def close(self) -> None:
        self._closed = True
        await asyncio.gather(*(self._retire(w, kill=False) for w in list(self._all)))
