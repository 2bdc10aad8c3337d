"""The demo cameras end to end: `scada simulate`'s camera server, `scada video` commands, faults
through the simulator's control port, and the checker inside the running server."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
from pathlib import Path

import pytest
from rig import free_port, wait_for

from scada.config import load_plant
from scada.simulator.control import apply_command, send_command, serve_control
from scada.simulator.plant import PlantSimulator
from scada.simulator.video import CameraSimulator
from video.config import load_cameras

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The demo tree with its cameras moved to a free port (the demo's 15030 may be in use)."""
    tree = tmp_path / "config"
    shutil.copytree(ROOT / "config", tree)
    cameras = tree / "cameras.yaml"
    cameras.write_text(cameras.read_text(encoding="utf-8").replace(":15030/", f":{free_port()}/"), encoding="utf-8")
    return tree


async def run_cli(*args: str) -> tuple[int, str]:
    """`scada …` in its own process (as an operator runs it); returns (exit status, stdout+stderr)."""
    import sys

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "scada.cli", *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=ROOT
    )
    out, _ = await proc.communicate()
    return proc.returncode, out.decode()


async def test_demo_cameras_are_served_checked_and_faulted_through_the_control_port(config: Path) -> None:
    plant = load_plant(config)
    cameras = CameraSimulator(load_cameras(config, plant))
    assert len(cameras.feeds) == 24 and len(cameras.servers) == 1
    port = free_port()
    control = await serve_control(PlantSimulator(plant), port, cameras)
    await cameras.start()
    try:
        code, out = await run_cli("video", "check", "E01.CAM01", "E01.CAM02", "--config-dir", str(config))
        assert code == 0, out
        assert re.search(r"E01\.CAM01\s+ok", out) and re.search(r"E01\.CAM02\s+ok", out)

        assert await send_command({"camera": "E01.CAM02", "fault": "cover"}, port) == {"ok": True}
        await apply_command(PlantSimulator(plant), {"device": "E01.CAM01", "fault": "stop"}, cameras)  # `scada fault E01.CAM01=stop`
        code, out = await run_cli("video", "check", "E01.CAM01", "E01.CAM02", "--config-dir", str(config))
        assert code == 1
        assert re.search(r"E01\.CAM01\s+unreachable", out) and re.search(r"E01\.CAM02\s+covered\s+lens covered", out), out
        assert (await send_command({"camera": "E09.CAM01", "fault": "cover"}, port))["ok"] is False
    finally:
        control.close()
        await cameras.stop()


def test_fault_specs_tell_cameras_from_devices() -> None:
    from scada.cli import _fault_command

    assert _fault_command("E01.CAM02=freeze") == {"camera": "E01.CAM02", "fault": "freeze"}
    assert _fault_command("E01.PLC1=offline") == {"device": "E01.PLC1", "fault": "offline", "value": 0.0}


async def test_spot_checks_from_the_command_line(config: Path, tmp_path: Path) -> None:
    common = ("--config-dir", str(config), "--data-dir", str(tmp_path / "data"))
    code, out = await run_cli("video", "spot-check", "draw", "park:YS", "--count", "2", "--by", "燕山安监分局 赵六", *common)
    assert code == 0, out
    ids = re.findall(r"^#(\d+) (E0[12])\.CAM0\d", out, re.M)
    assert sorted(e for _, e in ids) == ["E01", "E02"]
    record = ("video", "spot-check", "record", ids[0][0])
    code, out = await run_cli(*record, "--result", "problem", "--note", "画面偏移", "--by", "赵六", *common)
    assert code == 0 and "problem 画面偏移" in out, out
    code, out = await run_cli(*record, "--result", "normal", "--by", "赵六", *common)
    assert code == 1 and "already has a result" in out
    code, out = await run_cli("video", "spot-check", "stats", *common)
    assert re.search(rf"{ids[0][1]}\s+1\s+0\s+1\s+0\s+100.0", out), out


async def test_the_running_server_checks_cameras_and_keeps_snapshots_statuses_and_availability(config: Path, tmp_path: Path) -> None:
    from scada.runtime import Supervisor
    from scada.settings import resolve
    from tags import Quality

    cameras_file = config / "cameras.yaml"
    text = cameras_file.read_text(encoding="utf-8").replace("check_interval_s: 5", "check_interval_s: 0.5")
    cameras_file.write_text(text, encoding="utf-8")
    plant = load_plant(config)
    sim = CameraSimulator(load_cameras(config, plant))
    await sim.start()
    data = tmp_path / "data"
    settings = {"config_dir": str(config), "data_dir": str(data), "hmi_port": "0"}  # no HMI: its default port may be taken
    sup = Supervisor(resolve(settings, environ={}), plant)
    try:
        runner = asyncio.create_task(sup.run())
        decided = lambda: sup.video is not None and sup.tags.get("E08._video.CAM03.status").quality == Quality.GOOD  # noqa: E731
        await wait_for(lambda: decided() or runner.done(), 30, "every camera checked")
        assert not runner.done(), runner.exception()
        await asyncio.sleep(1.0)
        sup.stop()
        await asyncio.wait_for(runner, 60)
    finally:
        await sim.stop()
    statuses = {f"{c.key}": sup.tags.get(f"{c.enterprise}._video.{c.id}.status").value for c in sup.cameras.cameras}
    assert set(statuses.values()) == {"ok"}, statuses
    assert sup.tags.get("E01._video.CAM01.online").value is True
    snapshot = data / "video" / "snapshots" / "E05" / "CAM02.jpg"
    assert snapshot.read_bytes()[:2] == b"\xff\xd8" and snapshot.stat().st_size < 40_000
    status = json.loads((data / "video" / "status.json").read_text(encoding="utf-8"))
    assert len(status["cameras"]) == 24 and "secret" not in json.dumps(status)
    code, out = await run_cli("video", "availability", "--data-dir", str(data))
    assert code == 0 and re.search(r"E03\.CAM01\s+100\.0\s+100\.0", out), out
