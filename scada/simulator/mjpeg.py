"""A small HTTP MJPEG server (``multipart/x-mixed-replace``), as many IP cameras serve.

Each path (``/E01/CAM01.mjpg``) serves one ``CameraFeed``; every viewer gets the feed's current
frame at the feed's rate. Stream faults act here: ``stop`` answers 503 Service Unavailable,
``hang`` sends the headers and then nothing. Optional HTTP Basic authentication. Loopback test
and demo tool, not a production video server.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging

from scada.simulator.cameras import CameraFeed

log = logging.getLogger(__name__)

BOUNDARY = "scadaframe"


class MjpegServer:
    def __init__(self, feeds: dict[str, CameraFeed], host: str = "127.0.0.1", port: int = 0, auth: tuple[str, str] | None = None) -> None:
        self.feeds = {("/" + p.lstrip("/")): f for p, f in feeds.items()}
        self.host = host
        self.port = port
        self._auth = "Basic " + base64.b64encode(f"{auth[0]}:{auth[1]}".encode()).decode() if auth else None
        self._server: asyncio.Server | None = None
        self._clients: dict[asyncio.Task[None], asyncio.StreamWriter] = {}
        self._closing = False
        self.requests = 0

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}/{path.lstrip('/')}"

    async def start(self) -> None:
        self._closing = False
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every open stream (a camera switched off)."""
        if self._server is not None:
            self._server.close()
            self._server = None
        # Handlers end on their own once their connection is gone (cancelling stream handlers makes
        # Python 3.11's asyncio log a spurious error).
        self._closing = True
        for writer in self._clients.values():
            writer.transport.abort()
        await asyncio.gather(*self._clients, return_exceptions=True)

    async def __aenter__(self) -> MjpegServer:
        await self.start()
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.stop()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._clients[task] = writer
        try:
            await self._serve(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            pass  # the viewer went away: normal for a liveness check that reads one frame
        finally:
            self._clients.pop(task, None)
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10.0)
        self.requests += 1
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        path = parts[1].split("?", 1)[0] if len(parts) >= 2 else ""
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if line)}
        feed = self.feeds.get(path)
        if feed is None:
            return await _answer(writer, "404 Not Found")
        if self._auth is not None and headers.get("authorization") != self._auth:
            return await _answer(writer, "401 Unauthorized", 'WWW-Authenticate: Basic realm="camera"\r\n')
        if feed.fault == "stop":
            return await _answer(writer, "503 Service Unavailable")
        writer.write(
            f"HTTP/1.0 200 OK\r\nCache-Control: no-cache\r\nConnection: close\r\n"
            f"Content-Type: multipart/x-mixed-replace; boundary={BOUNDARY}\r\n\r\n".encode()
        )
        await writer.drain()
        while not self._closing:
            if feed.fault == "hang":
                await asyncio.sleep(0.05)
                continue
            if feed.fault == "stop":
                return
            data = feed.jpeg()
            writer.write(f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(data)}\r\n\r\n".encode() + data + b"\r\n")
            await writer.drain()
            await asyncio.sleep(1.0 / feed.fps)


async def _answer(writer: asyncio.StreamWriter, status: str, extra: str = "") -> None:
    writer.write(f"HTTP/1.0 {status}\r\n{extra}Content-Length: 0\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
