"""Table definitions (SQLAlchemy Core). Migrations under ``migrations/versions`` create them."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

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

# -- alarm engine (rules/) ------------------------------------------------------------------------

alarm_journal = Table(
    "alarm_journal",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("alarm_id", String(256), nullable=False),
    Column("record_id", BigInteger, nullable=True),
    Column("enterprise", String(64), nullable=False),
    Column("hazard_source", String(64), nullable=False, default=""),
    Column("source", String(256), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("transition", String(32), nullable=False),
    Column("state", String(32), nullable=False),  # ISA-18.2 state after the transition
    Column("priority", String(32), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("value", JSON, nullable=True),
    Column("limit_value", Float, nullable=True),
    Column("user", String(128), nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_alarm_journal_at", "at"),
    Index("ix_alarm_journal_alarm", "alarm_id", "at"),
    Index("ix_alarm_journal_enterprise", "enterprise", "at"),
)

alarm_records = Table(
    "alarm_records",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("alarm_id", String(256), nullable=False),
    Column("enterprise", String(64), nullable=False),
    Column("hazard_source", String(64), nullable=False, default=""),
    Column("source", String(256), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("priority", String(32), nullable=False),
    Column("start_at", DateTime(timezone=True), nullable=False),
    Column("clear_at", DateTime(timezone=True), nullable=True),
    Column("clear_type", String(32), nullable=True),
    Column("missed", Boolean, nullable=False, default=False),
    Column("data", JSON, nullable=False),  # the whole record: statuses, values and limits at start / worst / clear
    Index("ix_alarm_records_start", "start_at"),
    Index("ix_alarm_records_enterprise", "enterprise", "start_at"),
)

alarm_states = Table(
    "alarm_states",
    metadata,
    Column("alarm_id", String(256), primary_key=True),
    Column("definition", JSON, nullable=False),
    Column("state", JSON, nullable=False),
    Column("record_id", BigInteger, nullable=True),
    Column("since", Float, nullable=False),
)

# -- video (video/, migration 0004) ----------------------------------------------------------------

video_availability = Table(
    "video_availability",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("day", Date, nullable=False),  # Beijing calendar day
    Column("enterprise", String(64), nullable=False),
    Column("camera", String(64), nullable=False),
    Column("status", String(32), nullable=False),  # ok, unreachable, frozen, … (video.classifier.STATUSES)
    Column("seconds", Float, nullable=False),
    UniqueConstraint("day", "enterprise", "camera", "status", name="uq_video_availability"),
)

video_spot_checks = Table(
    "video_spot_checks",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("scope", String(128), nullable=False),  # e.g. district:FS
    Column("enterprise", String(64), nullable=False),
    Column("camera", String(64), nullable=False),
    Column("drawn_by", String(128), nullable=False),
    Column("drawn_at", DateTime(timezone=True), nullable=False),
    Column("result", String(16), nullable=False),  # pending, normal, problem
    Column("note", Text, nullable=False, default=""),
    Column("checked_by", String(128), nullable=True),
    Column("checked_at", DateTime(timezone=True), nullable=True),
    Index("ix_video_spot_checks_enterprise", "enterprise", "drawn_at"),
)
