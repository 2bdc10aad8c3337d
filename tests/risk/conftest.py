"""Fixtures: a controllable clock and a risk service on a fresh store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alarm_rig import Clock
from risk_rig import T0, make_service

from risk.service import RiskService


@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def service(request, demo_plant, tmp_path, clock) -> Iterator[RiskService]:  # type: ignore[no-untyped-def]
    """The same scenarios on SQLite and on PostgreSQL (production's store)."""
    url = f"sqlite:///{tmp_path / 'scada.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    svc = make_service(demo_plant, url, clock)
    yield svc
    svc.engine.dispose()
