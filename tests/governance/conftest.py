"""Governance on a real store (SQLite and PostgreSQL), the demo plant and a controllable Beijing clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from gov_rig import Clock, bj

from governance.config import GovernanceConfig
from governance.service import Governance
from rules.config import load_alarm_config
from scada.store import connect, upgrade

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path: Path) -> Iterator:  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'scada.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    e = connect(url)
    upgrade(e)
    yield e
    e.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock(bj("2026-03-10 08:00"))


@pytest.fixture
def gov(engine, demo_plant, clock: Clock, tmp_path: Path) -> Governance:  # type: ignore[no-untyped-def]
    kpi = load_alarm_config(ROOT / "config", demo_plant).kpi
    return Governance(engine, demo_plant, GovernanceConfig(), kpi, tmp_path, clock)
