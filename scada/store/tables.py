"""Table definitions (SQLAlchemy Core). Migrations under ``migrations/versions`` create them."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, Column, DateTime, Index, Integer, MetaData, String, Table, Text

metadata = MetaData()

audit_events = Table(
    "audit_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(128), nullable=False),  # user name, or "system"
    Column("action", String(64), nullable=False),  # e.g. config.applied, alarm.acknowledged
    Column("target", String(256), nullable=False, default=""),
    Column("detail", JSON, nullable=False, default=dict),
    Column("note", Text, nullable=False, default=""),
    Index("ix_audit_events_at", "at"),
    Index("ix_audit_events_target", "target"),
)

offline_episodes = Table(
    "offline_episodes",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("enterprise", String(64), nullable=False),
    Column("device", String(64), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("ended_at", DateTime(timezone=True), nullable=True),  # open while the device is offline
    Index("ix_offline_episodes_device", "enterprise", "device", "started_at"),
)

offline_reports = Table(
    "offline_reports",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("enterprise", String(64), nullable=False),
    Column("device", String(64), nullable=True),  # None: the whole gateway
    Column("kind", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("reported_by", String(128), nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("planned_online_at", DateTime(timezone=True), nullable=False),
    Index("ix_offline_reports_enterprise", "enterprise", "reported_at"),
)
