"""Fixtures of the alarm tests: a migrated relational store, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from scada.store import connect, upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request, tmp_path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'scada.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    engine = connect(url)
    upgrade(engine)
    yield engine
    engine.dispose()
