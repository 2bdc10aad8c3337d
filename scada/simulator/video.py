"""The demo cameras: every registered camera whose stream is HTTP on this machine gets a synthetic
picture served by an MJPEG server, so ``scada run`` checks real streams on the demo plant.

Duty-room cameras show a static, noisy picture (the hard case for freeze detection); the others a
yard with a truck driving past. Frames are rendered only when a viewer asks, so 24 cameras sampled
every 5 s cost little. Faults: ``set_fault("E01.CAM02", "freeze")`` (see ``cameras.CAMERA_FAULTS``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from urllib.parse import urlsplit

from scada.simulator.cameras import CameraFeed
from scada.simulator.mjpeg import MjpegServer
from scada.simulator.plant import SimulatorError
from video.config import CameraRegistry

log = logging.getLogger(__name__)
LOCAL_HOSTS = ("127.0.0.1", "localhost")


class CameraSimulator:
    def __init__(self, registry: CameraRegistry) -> None:
        self.feeds: dict[str, CameraFeed] = {}
        by_port: dict[int, dict[str, CameraFeed]] = defaultdict(dict)
        for i, cam in enumerate(registry.cameras):
            parts = urlsplit(cam.url)
            if parts.scheme != "http" or parts.hostname not in LOCAL_HOSTS:
                continue  # a real camera, or a file: nothing to simulate
            feed = CameraFeed(1000 + i, width=640, height=360, moving=cam.role != "duty_room", fps=2.0)
            self.feeds[cam.key] = feed
            by_port[parts.port or 80][parts.path] = feed
        self.servers = [MjpegServer(feeds, "127.0.0.1", port) for port, feeds in sorted(by_port.items())]

    async def start(self) -> None:
        for server in self.servers:
            try:
                await server.start()
            except OSError as exc:
                raise SimulatorError(f"cannot serve demo cameras on 127.0.0.1:{server.port} ({exc.strerror})") from None
        if self.feeds:
            log.info("demo cameras serving", extra={"ctx": {"cameras": len(self.feeds), "ports": [s.port for s in self.servers]}})

    async def stop(self) -> None:
        for server in self.servers:
            await server.stop()

    def set_fault(self, camera: str, fault: str) -> None:
        feed = self.feeds.get(camera)
        if feed is None:
            raise SimulatorError(f"no simulated camera {camera!r} (cameras: {', '.join(sorted(self.feeds)) or 'none'})")
        try:
            feed.set_fault(fault)
        except ValueError as exc:
            raise SimulatorError(str(exc)) from None
        log.info("camera fault", extra={"ctx": {"camera": camera, "fault": fault}})
