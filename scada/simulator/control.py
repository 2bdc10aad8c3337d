"""Fault injection into a running simulator from the command line.

The simulator listens on a loopback TCP port for one JSON object per line and answers one:
``{"point": "E01.T101.LT", "fault": "spike"}``, ``{"point": …, "fault": "clear"}``,
``{"device": "E01.PLC1", "fault": "offline", "value": 0}``, ``{"camera": "E01.CAM02", "fault": "freeze"}``
(a ``device`` that names a simulated camera is a camera: ``E01.CAM02=clear`` from the command line). Answer: ``{"ok": true}`` or
``{"ok": false, "error": "…"}``. Loopback only: it is a test and demo tool, not an API.
"""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from scada.simulator.plant import PlantSimulator, SimulatorError

if TYPE_CHECKING:
    from scada.simulator.video import CameraSimulator

DEFAULT_CONTROL_PORT = 15999


async def apply_command(sim: PlantSimulator, command: dict[str, Any], cameras: CameraSimulator | None = None) -> None:
    fault = str(command.get("fault", ""))
    target = str(command.get("camera") or command.get("device") or "")
    if cameras is not None and target in cameras.feeds:
        cameras.set_fault(target, fault)
    elif "camera" in command:
        raise SimulatorError(f"no simulated camera {target!r}")
    elif "point" in command:
        if fault == "clear":
            sim.clear_point(str(command["point"]))
        else:
            sim.inject_point(str(command["point"]), fault, float(command.get("rate", 0.0)))
    elif "device" in command:
        await sim.set_device_fault(str(command["device"]), fault, float(command.get("value", 0.0)))
    else:
        raise SimulatorError('a command names a "point" or a "device"')


async def serve_control(sim: PlantSimulator, port: int, cameras: CameraSimulator | None = None) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while line := await reader.readline():
                try:
                    await apply_command(sim, json.loads(line), cameras)
                    answer: dict[str, Any] = {"ok": True}
                except (SimulatorError, ValueError, TypeError) as exc:
                    answer = {"ok": False, "error": str(exc)}
                writer.write((json.dumps(answer, ensure_ascii=False) + "\n").encode())
                await writer.drain()
        finally:
            writer.close()

    try:
        return await asyncio.start_server(handle, "127.0.0.1", port)
    except OSError as exc:
        raise SimulatorError(f"cannot listen for faults on 127.0.0.1:{port} ({exc.strerror}); choose another with --control-port") from None


async def send_command(command: dict[str, Any], port: int = DEFAULT_CONTROL_PORT) -> dict[str, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write((json.dumps(command, ensure_ascii=False) + "\n").encode())
        await writer.drain()
        return json.loads(await reader.readline())
    finally:
        writer.close()
        await writer.wait_closed()
