"""A process holding an orange warning is killed at 30 min; a new one on the same store keeps the 1 h and 2 h deadlines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alarm_rig import Clock
from risk_rig import ROOT, T0, H, make_service

from risk.scope import Scope

HERE = Path(__file__).resolve().parent
CITY = Scope("city", "BJ")


def kinds(svc, wid: int) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return {(t["unit"], t["kind"]) for t in svc.api.warning(CITY, wid)["tasks"]}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite:///{tmp_path / 'scada.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")


def test_orange_deadlines_survive_sigkill(store_url: str, demo_plant) -> None:  # type: ignore[no-untyped-def]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests" / "support")])}
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "restart_driver.py"), store_url], stdout=subprocess.PIPE, text=True, env=env, cwd=ROOT
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "READY"
    finally:
        proc.kill()  # SIGKILL: no clean shutdown
        proc.wait(10)
        if proc.stdout is not None:
            proc.stdout.close()
    clock = Clock(T0 + 0.5 * H)
    svc = make_service(demo_plant, store_url, clock)
    try:
        assert svc.restore() == 2  # the deadline (2 h) and the park's recheck (1 h) are re-armed
        (w,) = svc.api.warnings(CITY, status="open")
        start = {("enterprise:E01", "onsite_verify"), ("district:FS", "remote_verify")}
        for hours, expected, notices in (
            (0.99, start, 0),
            (1.0, start | {("park:YS", "onsite_recheck")}, 0),
            (1.99, None, 0),
            (2.0, None, 1),
        ):
            clock.t = T0 + hours * H
            svc.workflow.tick()
            if expected is not None:
                assert kinds(svc, w["id"]) == expected, hours
            assert len(svc.api.warning(CITY, w["id"])["notices"]) == notices, hours
        (notice,) = svc.api.warning(CITY, w["id"])["notices"]
        assert (notice["issuer"], notice["recipient"], notice["issued_at"]) == ("district:FS", "enterprise:E01", T0 + 2 * H)
        fired = [e["detail"]["timer"] for e in svc.api.warning(CITY, w["id"])["timeline"] if e["kind"] == "timer_fired"]
        assert fired == ["park_recheck", "deadline"]  # each exactly once across the restart
    finally:
        svc.engine.dispose()


def test_a_deadline_that_fell_due_while_down_fires_on_restore(demo_plant, tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'scada.db'}"
    clock = Clock(T0)
    first = make_service(demo_plant, url, clock)
    (wid,) = first.workflow.apply_level("E01", "orange", T0)
    first.engine.dispose()
    clock.t = T0 + 3 * H  # down for three hours
    second = make_service(demo_plant, url, clock)
    try:
        assert second.restore() == 2  # re-armed and, being overdue, fired before anything else happens
        timeline = second.api.warning(CITY, wid)["timeline"]
        late = [(e["detail"]["timer"], e["detail"]["due_at"], e["at"]) for e in timeline if e["kind"] == "timer_fired"]
        assert late == [("park_recheck", T0 + H, T0 + 3 * H), ("deadline", T0 + 2 * H, T0 + 3 * H)]
        assert second.workflow.tick() == 0
    finally:
        second.engine.dispose()
