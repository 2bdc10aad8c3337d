"""Hot reload of a running system under load: `scada simulate` (a real process on a port-shifted copy of the
demo configuration) polled by a real Supervisor. A reload adds 100 points, removes 10 and changes the limits
of 20: unchanged points keep their values, an active alarm of an unchanged point is not re-annunciated, the
changed points alarm by their new limits; a broken tree changes nothing and reports as check-config does."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from hmi_system import shifted_config, start, stop, wait_for_file_text
from rig import free_port, wait_for

from engineering.reload import hot_reload
from engineering.versions import Versions
from engineering.yamltext import render, set_in
from scada.cli import main as scada_main
from scada.config import load_plant
from scada.settings import resolve
from scada.simulator.control import send_command
from tags import is_good

SPIKED = "E03.H201.LT"  # an unchanged point whose alarm is active across the reload


@pytest.fixture(scope="module")
def plant_root(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    root = tmp_path_factory.mktemp("reload-live")
    shifted_config(root / "config")
    control = free_port()
    sim = start(["simulate", "--control-port", str(control), "--update-period", "0.2"], root, "simulate")
    try:
        wait_for_file_text(root / "simulate.log", "simulator running", sim)
        yield root, control
    finally:
        stop(sim)


def _edit_tree(config: Path, plant, current) -> tuple[list[str], list[str], dict[str, float]]:  # type: ignore[no-untyped-def]
    """Remove E01 V203 and V204 (10 points), add equipment of 100 points on a new device, lower 20 limits."""
    e01 = config / "enterprises" / "e01.yaml"
    text = e01.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines(keepends=True) if "{code: V203," not in ln and "{code: V204," not in ln]
    removed = [r.tag for r in plant.points if r.enterprise.code == "E01" and r.equipment.code in ("V203", "V204")]
    e01.write_text("".join(lines), encoding="utf-8")
    e08 = config / "enterprises" / "e08.yaml"
    text = e08.read_text(encoding="utf-8")
    text = text.replace(
        "devices:\n", f"devices:\n  - {{id: PLC9, protocol: modbus_tcp, host: 127.0.0.1, port: {free_port()}, unit_id: 1}}\n", 1
    )
    points = [
        {
            "key": f"X{i:03d}",
            "name": f"新增点{i}",
            "tag": f"XT-{i:03d}",
            "kind": "pressure",
            "unit": "kPa",
            "range": [0, 100],
            "thresholds": {"high": 80.0, "high_high": 90.0},
            "source": {"address": 2 * i},
        }
        for i in range(100)
    ]
    eq = {"code": "NEW1", "name": "新增设备", "kind": "vessel", "device": "PLC9", "points": points}
    text = text.replace("    equipment:\n", f"    equipment:\n      - {render(eq)}\n", 1)
    e08.write_text(text, encoding="utf-8")
    added = [f"E08.NEW1.X{i:03d}" for i in range(100)]
    # 20 analog points of E04–E07 (no driver of theirs restarts): limits just under their current value.
    changed: dict[str, float] = {}
    for ref in plant.points:
        v = current(ref.tag)
        lo, hi = ref.point.range
        analog = ref.enterprise.code in ("E04", "E05", "E06", "E07") and ref.point.kind in ("level", "pressure", "temperature")
        if analog and v is not None and is_good(v.quality) and v.value > lo + 0.05 * (hi - lo) and len(changed) < 20:
            changed[ref.tag] = lo + 0.02 * (hi - lo)
    from engineering.edits import apply_ops
    from engineering.tree import read_tree, write_tree

    files = read_tree(config)
    ops = [
        {
            "op": "point",
            "tag": t,
            "set": {
                "thresholds.low_low": None,
                "thresholds.low": None,
                "thresholds.high": hh - 0.01 * 1,
                "thresholds.high_high": hh,
                "on_delay_s": 0,
            },
        }
        for t, hh in changed.items()
    ]
    write_tree(config, apply_ops(files, load_plant(config), ops))
    return added, removed, changed


async def test_reload_under_load_keeps_unchanged_points_and_applies_new_limits(plant_root: tuple[Path, int]) -> None:
    from scada.runtime import Supervisor

    root, control = plant_root
    config = root / "config"
    settings = resolve({"config_dir": str(config), "data_dir": str(root / "data"), "hmi_port": "0", "status_interval_s": "5"}, environ={})
    sup = Supervisor(settings, load_plant(config))
    run = asyncio.create_task(sup.run())
    try:
        await wait_for(lambda: sup.status()["good"] >= 600, timeout=60, what="the demo plant's values")
        await send_command({"point": SPIKED, "fault": "spike"}, control)
        await wait_for(lambda: sup.alarms.table.state(f"{SPIKED}:limit").active, timeout=30, what="the spiked point's alarm")
        events = sup.alarms.subscribe()

        def current(tag: str):  # type: ignore[no-untyped-def]
            return sup.tags.get(tag) if tag in sup.tags else None

        before_plant = sup.plant
        added, removed, changed = _edit_tree(config, before_plant, current)
        unchanged = [r.tag for r in before_plant.points if r.tag not in changed and r.tag not in removed and r.enterprise.code != "E01"]
        values_before = {t: sup.tags.get(t) for t in unchanged}
        restarted_before = {d.health.tag: d for d in sup.acquisition.drivers}
        active_before = {a.alarm.alarm_id for a in sup.alarms.active() if a.state.active and a.alarm.source in unchanged}
        assert f"{SPIKED}:limit" in active_before

        result = await hot_reload(sup, "tester", "acceptance: +100 −10 ~20")
        assert result.ok, result.errors
        assert result.diff is not None
        assert (len(result.diff.added), len(result.diff.removed), len(result.diff.limits)) == (100, 10, 20)
        assert sorted(result.diff.added) == sorted(added) and sorted(result.diff.removed) == sorted(removed)
        assert len(sup.plant.points) == 621 + 100 - 10
        # Only E01's PLC2 (two vessels removed) and the new PLC9 were restarted; E04–E07 drivers run on untouched.
        assert sorted(result.restarted) == ["E01._device.PLC2.online", "E08._device.PLC9.online"]
        assert all(restarted_before[d.health.tag] is d for d in sup.acquisition.drivers if d.health.tag.startswith(("E04", "E05")))
        # No value lost: every unchanged point still has its value (never back to waiting-for-data) and keeps updating.
        for t in unchanged:
            assert sup.tags.get(t).value is not None and sup.tags.get(t).server_time >= values_before[t].server_time
        moving = [t for t in unchanged if t.startswith("E04") and before_plant.point_by_tag[t].point.scan_class != "slow"]
        stamp = {t: sup.tags.get(t).server_time for t in moving}
        await wait_for(lambda: all(sup.tags.get(t).server_time > stamp[t] for t in moving), timeout=15, what="unchanged points updating")
        # Changed points alarm by their new limits (on-delay 0 in the change).
        await wait_for(
            lambda: all(sup.alarms.table.state(f"{t}:limit").level == "high_high" for t in changed), timeout=15, what="new limits"
        )
        records = {a.alarm.alarm_id: a for a in sup.alarms.active()}
        for t, hh in changed.items():
            assert records[f"{t}:limit"].record.worst_limit == pytest.approx(hh)
        # The unchanged point's alarm is still active and was not re-annunciated.
        assert sup.alarms.table.state(f"{SPIKED}:limit").active
        seen = events.take()
        assert not [e for e in seen if e.alarm.alarm_id in active_before and e.transition in ("activated", "escalated")]
        assert {e.alarm.source for e in seen if e.transition == "activated"} >= set(changed)
        # New points are defined (their device is unreachable: bad, not unknown).
        assert all(t in sup.tags for t in added)
        version = Versions(sup.engine).latest()
        assert version is not None and version.actor == "tester" and "NEW1" in version.diff

        # A broken tree changes nothing, and its errors are exactly check-config's lines.
        site = config / "site.yaml"
        good = site.read_text(encoding="utf-8")
        site.write_text(set_in(good, ["scan_classes", "normal", "period_s"], -1), encoding="utf-8")

        def limit_alarms() -> list[tuple[str, str]]:  # rate alarms come and go with the live simulation meanwhile
            return [(a.alarm.alarm_id, a.state.level) for a in sup.alarms.active() if a.alarm.kind == "limit"]

        plant_now, alarms_now, routes_now = sup.plant, limit_alarms(), dict(sup.alarms.routes)
        broken = await hot_reload(sup, "tester", "broken")
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert scada_main(["check-config", str(config)]) == 1
        assert not broken.ok and broken.errors == out.getvalue().splitlines()
        assert sup.plant is plant_now and Versions(sup.engine).latest().id == version.id
        assert limit_alarms() == alarms_now and alarms_now
        assert sup.alarms.routes == routes_now  # the same detectors on the same points
        site.write_text(good, encoding="utf-8")
        events.close()
    finally:
        with contextlib.suppress(Exception):
            await send_command({"point": SPIKED, "fault": "clear"}, control)
        sup.stop()
        await run
