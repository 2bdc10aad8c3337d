"""The relational store, migrated and used on both SQLite and a real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import inspect

from scada.store import AuditEvent, AuditLog, StoreError, connect, current_revision, downgrade, upgrade
from scada.store.db import head_revisions


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
        assert current_revision(engine) == head_revisions()
        assert {"audit_events", "offline_episodes", "offline_reports"} <= set(inspect(engine).get_table_names())
        downgrade(engine, "base")
        assert "audit_events" not in inspect(engine).get_table_names()
        upgrade(engine)
        assert current_revision(engine) == head_revisions()
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


def test_offline_episodes_and_reports(store_url: str) -> None:
    from datetime import timedelta

    from scada.store.offline import OfflineLog, OfflineReport, OfflineReportError

    engine = connect(store_url)
    try:
        upgrade(engine)
        day = datetime(2026, 11, 29, tzinfo=UTC)
        now = [day + timedelta(hours=12)]
        log = OfflineLog(engine, clock=lambda: now[0])
        log.device_edge("E01", "PLC1", False, day - timedelta(minutes=10))  # started the day before
        log.device_edge("E01", "PLC1", False, day - timedelta(minutes=5))  # a repeated edge opens nothing new
        log.device_edge("E01", "PLC1", True, day + timedelta(minutes=20))
        log.device_edge("E01", "PLC1", False, day + timedelta(hours=11, minutes=59))  # still open at noon
        assert log.day_summary("E01", "PLC1", day) == (1, 20 * 60 + 60)
        assert log.day_summary("E01", "PLC2", day) == (0, 0.0)
        until = now[0] + timedelta(hours=6)
        first = log.file_report(OfflineReport("E01", "PLC1", "maintenance", "PLC 检修", "张建国", until))
        log.file_report(OfflineReport("E01", None, "power", "计划停电", "张建国", until))
        reports = log.reports("E01")
        assert (reports[0].id, reports[0].device, reports[0].kind) == (first, "PLC1", "maintenance")
        assert len(reports) == 2
        assert reports[1].device is None and reports[1].reported_at == now[0] and reports[1].planned_online_at == until
        from zoneinfo import ZoneInfo

        beijing = datetime(2026, 11, 30, 8, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
        third = log.file_report(OfflineReport("E01", "PLC2", "network", "光缆", "李四", beijing))
        assert log.reports("E01")[-1].id == third and log.reports("E01")[-1].planned_online_at == beijing  # 00:00 UTC
        with pytest.raises(OfflineReportError, match="kind must be one of"):
            log.file_report(OfflineReport("E01", None, "holiday", "x", "y", until))
        with pytest.raises(OfflineReportError, match="must be after"):
            log.file_report(OfflineReport("E01", None, "other", "x", "y", now[0]))
    finally:
        engine.dispose()
