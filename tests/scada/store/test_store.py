"""The relational store, migrated and used on both SQLite and a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from scada.store import AuditEvent, AuditLog, StoreError, connect, current_revision, downgrade, upgrade


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'data' / 'scada.db'}"
    return request.getfixturevalue("postgres_url")


def test_migrations_up_down_up(store_url: str) -> None:
    engine = connect(store_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        upgrade(engine)  # idempotent
        assert current_revision(engine) == "0001"
        assert "audit_events" in inspect(engine).get_table_names()
        downgrade(engine, "base")
        assert "audit_events" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert current_revision(engine) == "0001"
    finally:
        engine.dispose()


def test_audit_events_round_trip(store_url: str) -> None:
    engine = connect(store_url)
    try:
        upgrade(engine)
        at = datetime(2026, 11, 29, 1, 2, 3, tzinfo=UTC)
        log = AuditLog(engine, clock=lambda: at)
        first = log.record(AuditEvent("zhang", "config.applied", "config/", {"hash": "abc", "points": 621}, note="初次"))
        second = log.record(AuditEvent("system", "server.started"))
        assert second > first
        events = log.recent()
        assert [e.action for e in events] == ["server.started", "config.applied"]
        applied = events[1]
        assert (applied.actor, applied.target, applied.detail, applied.note) == ("zhang", "config/", {"hash": "abc", "points": 621}, "初次")
        assert applied.at == at
        assert [e.id for e in log.recent(target="config/")] == [first]
    finally:
        engine.dispose()


def test_sqlite_store_uses_wal(tmp_path: Path) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'x' / 'scada.db'}")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_unreachable_database_is_a_clear_error() -> None:
    engine = connect("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(StoreError, match="cannot migrate the store"):
        upgrade(engine)
    engine.dispose()
