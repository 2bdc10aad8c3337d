"""Serving the HMI from the running server: a waitress WSGI server in its own threads, beside the asyncio loop.

Dash's development server is not for production; waitress is a pure-Python production WSGI
server with a fixed thread pool. The loop keeps running: request threads read the live snapshot
and hand alarm actions to the loop (``HmiServices.on_loop``). ``start_hmi`` also creates the demo
users on an empty user table (written once to ``<data>/demo-users.txt``) and keeps the session
signing key in ``<data>/hmi-secret.key`` so sessions survive nothing but a key change.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import threading
from pathlib import Path
from typing import Any

from hmi.app import HmiApp, create_app
from hmi.services import HmiServices
from hmi.users import UserStore, create_demo_users

log = logging.getLogger(__name__)
DEMO_USERS_FILE = "demo-users.txt"
THREADS = 16


def secret_key(data_dir: Path) -> bytes:
    path = data_dir / "hmi-secret.key"
    try:
        return path.read_bytes()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        path.write_bytes(key)
        path.chmod(0o600)
        return key


class HmiServer:
    def __init__(self, hmi: HmiApp, host: str, port: int) -> None:
        from waitress.server import create_server

        self.hmi = hmi
        self.server = create_server(hmi.server, host=host, port=port, threads=THREADS, ident="scada-hmi", channel_timeout=30)
        self.port = self.server.effective_port  # type: ignore[union-attr]
        self._thread = threading.Thread(target=self.server.run, name="hmi-waitress", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.close()
        self.server.task_dispatcher.shutdown()  # type: ignore[union-attr]
        self._thread.join(timeout=5)


def prepare_users(services: HmiServices) -> None:
    """Demo users for every tier node when nobody can sign in yet; their passwords are printed once."""
    created = create_demo_users(UserStore(services.engine, services.clock), services.plant, services.data_dir / DEMO_USERS_FILE)
    if created:
        path = services.data_dir / DEMO_USERS_FILE
        log.warning("demo users created; passwords written once to %s", path, extra={"ctx": {"users": len(created)}})
        print(f"HMI demo users 演示用户 (also in {path}):\n" + "\n".join(f"  {u}  {p}" for u, p in created), flush=True)


async def start_hmi(sup: Any) -> tuple[HmiServer, asyncio.Task[None]] | None:
    """Build the app on the supervisor's parts, start the snapshot task and the WSGI server.
    A taken port is logged, not fatal: acquisition, alarms and the historian matter more than screens."""
    loop = asyncio.get_running_loop()
    services = HmiServices.from_supervisor(sup, loop)
    settings = sup.settings
    await loop.run_in_executor(None, prepare_users, services)
    key = await loop.run_in_executor(None, secret_key, settings.data_dir)
    extensions = sup.hmi_extensions() if hasattr(sup, "hmi_extensions") else ()
    hmi = create_app(services, key, settings.hmi_session_timeout_s, extensions)
    try:
        server = HmiServer(hmi, settings.hmi_host, settings.hmi_port)
    except OSError as exc:
        log.error("HMI cannot listen on %s:%s (%s); set hmi_port to a free port", settings.hmi_host, settings.hmi_port, exc.strerror)
        return None
    live = asyncio.create_task(services.live.run(), name="hmi-live")
    server.start()
    log.info("HMI serving", extra={"ctx": {"url": f"http://{settings.hmi_host}:{server.port}/"}})
    return server, live
