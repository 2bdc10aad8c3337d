"""A risk service on a real store (SQLite file or PostgreSQL) with a controllable clock."""

from __future__ import annotations

from pathlib import Path

from alarm_rig import Clock

from risk.config import RiskConfig, load_risk_config
from risk.service import RiskService
from rules.config import KpiSettings
from scada.store import connect, upgrade

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000.0
H = 3600.0


def make_service(plant, url: str, clock: Clock, cfg: RiskConfig | None = None, channels=None) -> RiskService:  # type: ignore[no-untyped-def]
    engine = connect(url)
    upgrade(engine)
    return RiskService(plant, cfg or load_risk_config(ROOT / "config", plant), KpiSettings(), engine, clock, channels)
