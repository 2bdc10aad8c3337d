"""Tag values → real alarm engine → journal → risk evaluation → warning, and the risk service inside ``scada run``."""

from __future__ import annotations

import time

from alarm_rig import Plant as AlarmPlant
from risk_rig import ROOT, T0, H, make_service
from sqlalchemy import func, select

from risk.config import load_risk_config
from risk.scope import Scope
from risk.service import RiskService
from rules.config import KpiSettings, load_alarm_config
from scada.settings import resolve
from scada.store import connect, upgrade
from scada.store.tables import risk_evaluations

CITY = Scope("city", "BJ")
HOT = [f"E01.T10{i}.TT" for i in range(1, 5)]  # high 40 °C, on-delay 10 s


def test_alarms_in_the_journal_raise_and_lower_a_warning(demo_plant, tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = connect(f"sqlite:///{tmp_path / 'scada.db'}")
    upgrade(engine)
    rig = AlarmPlant(demo_plant, load_alarm_config(ROOT / "config", demo_plant), store_engine=engine)
    svc = RiskService(demo_plant, load_risk_config(ROOT / "config", demo_plant), KpiSettings(), engine, rig.clock)  # one clock for both

    def step(t: float) -> str:
        rig.at(t)
        rig.engine.write_journal()
        return {e.enterprise: e for e in svc.evaluate()}["E01"].level

    try:
        for tag in HOT:
            rig.set(tag, 25.0)
        assert step(0) == "blue"
        for tag in HOT:
            rig.set(tag, 45.0)
        rig.at(20)
        assert step(30) == "blue"  # four alarms on 128 points, just started
        assert step(1800) == "yellow"  # they have lasted half an hour: 一级 row, band 2
        (w,) = svc.api.warnings(CITY, status="open")
        assert (w["enterprise"], w["colour"], w["raised_at"]) == ("E01", "yellow", T0 + 1800)
        ev = svc.api.warning(CITY, w["id"])["evaluation"]
        assert ev["breakdown"]["cell"] == ["一级", 2] and ev["previous"] == "blue"
        for tag in HOT:
            rig.set(tag, 25.0)
        assert step(1900) == "yellow"  # cleared, but still inside the 30-minute windows
        assert step(1900 + 1800) == "blue"
        w = svc.api.warning(CITY, w["id"])
        closed = next(e for e in w["timeline"] if e["kind"] == "closed")
        assert (w["status"], w["close_reason"], closed["detail"]["on_time"]) == ("closed", "lowered", True)
    finally:
        svc.engine.dispose()


async def test_the_server_evaluates_and_fires_deadlines_missed_while_down(demo_plant, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from alarm_rig import Clock

    from scada.runtime import Supervisor

    url = f"sqlite:///{tmp_path / 'scada.db'}"
    before = make_service(demo_plant, url, Clock(time.time() - 3 * H))
    (wid,) = before.workflow.apply_level("E01", "orange", before.clock())
    before.engine.dispose()
    settings = resolve({"config_dir": str(ROOT / "config"), "data_dir": str(tmp_path), "database_url": url, "hmi_port": 0})
    sup = Supervisor(settings, demo_plant)
    await sup.run(duration_s=1.5, acquire=False)
    after = make_service(demo_plant, url, Clock(time.time()))
    try:
        w = after.api.warning(CITY, wid)
        assert [(n["issuer"], n["recipient"]) for n in w["notices"]] == [("district:FS", "enterprise:E01")]  # fired at start
        assert ("park:YS", "onsite_recheck") in {(t["unit"], t["kind"]) for t in w["tasks"]}
        # then the first evaluation found E01 calm: blue, the warning closed (late)
        assert (w["status"], w["close_reason"], w["level_after"]) == ("closed", "lowered", "blue")
        with after.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(risk_evaluations)).scalar() == 8
    finally:
        after.engine.dispose()
