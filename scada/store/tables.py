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
    LargeBinary,
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

# Counters for ids several processes hand out from one store (migration 0010): a row per kind, advanced atomically.
id_counters = Table(
    "id_counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("next", BigInteger, nullable=False),
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

# -- HMI users (hmi/, migration 0006) ------------------------------------------------------------

hmi_users = Table(
    "hmi_users",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", String(128), nullable=False, default=""),
    Column("password_hash", String(256), nullable=False),  # scrypt$n$r$p$salt$hash
    Column("role", String(32), nullable=False),  # administrator, duty, engineer, viewer
    Column("tier", String(16), nullable=False),  # city, district, park, enterprise
    Column("scope_code", String(64), nullable=False),  # BJ, FS, YS, E01 …
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("locked_until", Float, nullable=True),  # POSIX seconds
    Column("last_login_at", Float, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

# -- enterprise warning level and warning workflow (risk/, migration 0005); times are POSIX seconds --

ID = BigInteger().with_variant(Integer, "sqlite")

risk_evaluations = Table(
    "risk_evaluations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("enterprise", String(64), nullable=False),
    Column("inherent", String(8), nullable=False),  # matrix row: GB 18218 level
    Column("dynamic", Float, nullable=False),  # combined dynamic score 0–100
    Column("band", Integer, nullable=False),  # matrix column 1..4
    Column("previous", String(8), nullable=True),
    Column("level", String(8), nullable=False),  # blue, yellow, orange, red
    Column("changed", Boolean, nullable=False),
    Column("breakdown", JSON, nullable=False),  # raw values, scores, weights, sources, cell
    Index("ix_risk_evaluations_enterprise", "enterprise", "at"),
)

risk_levels = Table(
    "risk_levels",
    metadata,
    Column("enterprise", String(64), primary_key=True),
    Column("level", String(8), nullable=False),
    Column("since", Float, nullable=False),
    Column("evaluation_id", BigInteger, nullable=True),
)

risk_warnings = Table(
    "risk_warnings",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("enterprise", String(64), nullable=False),
    Column("district", String(64), nullable=False),
    Column("park", String(64), nullable=True),
    Column("colour", String(8), nullable=False),
    Column("status", String(16), nullable=False),  # open, closed
    Column("raised_at", Float, nullable=False),
    Column("deadline_at", Float, nullable=False),
    Column("closed_at", Float, nullable=True),
    Column("close_reason", String(16), nullable=True),  # lowered, escalated
    Column("level_after", String(8), nullable=True),
    Column("overdue", Boolean, nullable=False, default=False),
    Column("accident", Boolean, nullable=False, default=False),
    Column("evaluation_id", BigInteger, nullable=True),
    Index("ix_risk_warnings_enterprise", "enterprise", "raised_at"),
    Index("ix_risk_warnings_status", "status", "raised_at"),
)

risk_warning_events = Table(
    "risk_warning_events",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("warning_id", BigInteger, nullable=False),
    Column("at", Float, nullable=False),
    Column("kind", String(32), nullable=False),  # raised, pushed, task, timer, notice, interview, feedback, …
    Column("actor", String(128), nullable=False),  # a user, or "system"
    Column("unit", String(80), nullable=False, default=""),  # the unit concerned, e.g. district:FS
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_risk_warning_events_warning", "warning_id", "id"),
)

risk_tasks = Table(
    "risk_tasks",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("warning_id", BigInteger, nullable=False),
    Column("unit", String(80), nullable=False),
    Column("kind", String(32), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("status", String(16), nullable=False),  # open, done
    Column("done_at", Float, nullable=True),
    Column("done_by", String(128), nullable=True),
    Column("note", Text, nullable=False, default=""),
    Column("detail", JSON, nullable=False, default=dict),
    Index("ix_risk_tasks_warning", "warning_id"),
    Index("ix_risk_tasks_unit", "unit", "status"),
)

risk_notices = Table(
    "risk_notices",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("warning_id", BigInteger, nullable=True),
    Column("issued_at", Float, nullable=False),
    Column("issuer", String(80), nullable=False),
    Column("recipient", String(80), nullable=False),
    Column("title", String(256), nullable=False),
    Column("text", Text, nullable=False),
    Column("issued_by", String(128), nullable=False),
    Column("read_at", Float, nullable=True),
    Column("read_by", String(128), nullable=True),
    Index("ix_risk_notices_recipient", "recipient", "issued_at"),
)

risk_feedback = Table(
    "risk_feedback",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("warning_id", BigInteger, nullable=False),
    Column("at", Float, nullable=False),
    Column("by", String(128), nullable=False),
    Column("kind", String(16), nullable=False),  # verification, handling
    Column("text", Text, nullable=False),
    Column("accident", Boolean, nullable=False, default=False),
    Column("reported_to", JSON, nullable=False),  # the units the report went to
    Index("ix_risk_feedback_warning", "warning_id"),
)

risk_attachments = Table(
    "risk_attachments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("feedback_id", BigInteger, nullable=False),
    Column("warning_id", BigInteger, nullable=False),
    Column("name", String(256), nullable=False),
    Column("content_type", String(128), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Index("ix_risk_attachments_feedback", "feedback_id"),
)

risk_timers = Table(
    "risk_timers",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("warning_id", BigInteger, nullable=False),
    Column("name", String(32), nullable=False),  # deadline, or a configured timer (park_recheck)
    Column("colour", String(8), nullable=False),
    Column("due_at", Float, nullable=False),
    Column("status", String(16), nullable=False),  # pending, fired, cancelled
    Column("fired_at", Float, nullable=True),
    Index("ix_risk_timers_due", "status", "due_at"),
)

risk_notifications = Table(
    "risk_notifications",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("created_at", Float, nullable=False),
    Column("warning_id", BigInteger, nullable=True),
    Column("unit", String(80), nullable=False),
    Column("channel", String(32), nullable=False),  # inapp, or a configured channel name
    Column("address", String(256), nullable=False, default=""),
    Column("kind", String(32), nullable=False),  # warning, task, notice, report, closed, emergency
    Column("subject", String(256), nullable=False),
    Column("body", Text, nullable=False),
    Column("sound", Boolean, nullable=False, default=False),
    Column("status", String(16), nullable=False),  # pending, sent, failed (inapp: sent at once)
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("sent_at", Float, nullable=True),
    Column("seen_at", Float, nullable=True),
    Column("seen_by", String(128), nullable=True),
    Index("ix_risk_notifications_unit", "unit", "channel", "id"),
    Index("ix_risk_notifications_due", "status", "next_attempt_at"),
)

# -- edge gateways (edge/): HTTP push tokens and ingested batch ids --------------------------------

edge_tokens = Table(
    "edge_tokens",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("enterprise", String(64), nullable=False),  # the only enterprise this token may push for
    Column("gateway", String(128), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex: the token itself is shown once
    Column("created_at", Float, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("revoked_at", Float, nullable=True),
    Index("ix_edge_tokens_enterprise", "enterprise"),
)

edge_http_batches = Table(
    "edge_http_batches",
    metadata,
    Column("enterprise", String(64), primary_key=True),
    Column("stream", String(64), primary_key=True),
    Column("seq", BigInteger, primary_key=True),  # (enterprise, stream, seq) is the batch id a retry repeats
    Column("samples", Integer, nullable=False),
    Column("received_at", Float, nullable=False),
)

# -- governance (governance/, migration 0008); times are POSIX seconds, days are Beijing calendar days --

gov_commitments = Table(
    "gov_commitments",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("enterprise", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("filed_at", Float, nullable=False),
    Column("filed_by", String(128), nullable=False),
    Column("signer", String(128), nullable=False),
    Column("late", Boolean, nullable=False),
    Column("form", JSON, nullable=False),  # unit counts, special operations, jobs, hazard sources by level
    Column("major_hazard", Boolean, nullable=False),
    Column("text", Text, nullable=False),
    UniqueConstraint("enterprise", "day", name="uq_gov_commitments_day"),
)

gov_reminders = Table(
    "gov_reminders",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("enterprise", String(64), nullable=False),
    Column("day", Date, nullable=False),
    Column("slot", String(16), nullable=False),  # a reminder time ("09:00") or "missing" at the deadline
    Column("at", Float, nullable=False),
    UniqueConstraint("enterprise", "day", "slot", name="uq_gov_reminders"),
)

gov_declarations = Table(
    "gov_declarations",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("enterprise", String(64), nullable=False),
    Column("devices", JSON, nullable=False),
    Column("tags", JSON, nullable=False),  # the points taken out of service (devices resolved at filing)
    Column("kind", String(32), nullable=False),
    Column("reason", Text, nullable=False),
    Column("start_at", Float, nullable=False),
    Column("end_at", Float, nullable=False),
    Column("status", String(16), nullable=False),  # pending, approved, rejected, withdrawn
    Column("applied", Boolean, nullable=False, default=False),  # its points are out of service in the alarm engine now
    Column("filed_by", String(128), nullable=False),
    Column("filed_at", Float, nullable=False),
    Column("reviewed_by", String(128), nullable=True),
    Column("reviewed_at", Float, nullable=True),
    Column("review_note", Text, nullable=False, default=""),
    Index("ix_gov_declarations_status", "status", "end_at"),
)

gov_account_requests = Table(
    "gov_account_requests",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("enterprise", String(64), nullable=False),
    Column("action", String(8), nullable=False),  # open, delete
    Column("username", String(64), nullable=False),
    Column("display_name", String(128), nullable=False, default=""),
    Column("role", String(32), nullable=False),
    Column("status", String(16), nullable=False),  # pending, rejected, done
    Column("step", String(16), nullable=True),  # the next step; None when finished
    Column("created_at", Float, nullable=False),
)

gov_account_steps = Table(
    "gov_account_steps",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("request_id", BigInteger, nullable=False),
    Column("step", String(16), nullable=False),
    Column("decision", String(16), nullable=False),  # filed, approved, rejected, opened, deleted
    Column("actor", String(128), nullable=False),
    Column("unit", String(80), nullable=False),
    Column("at", Float, nullable=False),
    Column("note", Text, nullable=False, default=""),
    Index("ix_gov_account_steps_request", "request_id", "id"),
)

gov_password_changes = Table(
    "gov_password_changes",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("must_change", Boolean, nullable=False),
    Column("set_at", Float, nullable=False),
    Column("changed_at", Float, nullable=True),
)

gov_notices = Table(
    "gov_notices",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("title", String(256), nullable=False),
    Column("text", Text, nullable=False),
    Column("work_start", Float, nullable=False),
    Column("work_end", Float, nullable=False),
    Column("recipients", JSON, nullable=False),  # units: district:FS, park:YS, enterprise:E01
    Column("scheduled_by", String(128), nullable=False),
    Column("scheduled_at", Float, nullable=False),
    Column("working_days", Integer, nullable=False),  # working days of notice it was given with
)

gov_notice_reads = Table(
    "gov_notice_reads",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("notice_id", BigInteger, nullable=False),
    Column("unit", String(80), nullable=False),
    Column("user", String(128), nullable=False),
    Column("at", Float, nullable=False),
    UniqueConstraint("notice_id", "unit", name="uq_gov_notice_reads"),
)

gov_problems = Table(
    "gov_problems",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("district", String(64), nullable=False),
    Column("title", String(256), nullable=False),
    Column("text", Text, nullable=False),
    Column("filed_by", String(128), nullable=False),
    Column("filed_at", Float, nullable=False),
    Column("status", String(16), nullable=False),  # open, in_progress, resolved
    Column("response", Text, nullable=False, default=""),
    Column("updated_by", String(128), nullable=True),
    Column("updated_at", Float, nullable=True),
)

gov_reports = Table(
    "gov_reports",
    metadata,
    Column("id", ID, primary_key=True, autoincrement=True),
    Column("unit", String(80), nullable=False),  # district:FS or park:YS
    Column("month", String(7), nullable=False),  # YYYY-MM
    Column("fmt", String(8), nullable=False),  # xlsx, pdf
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("generated_at", Float, nullable=False),
    Column("generated_by", String(128), nullable=False),
    Column("figures", JSON, nullable=False),
    Index("ix_gov_reports_unit", "unit", "month"),
)

# -- engineering (engineering/): configuration versions and reviewed change requests -------------

engineering_versions = Table(
    "engineering_versions",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("hash", String(64), nullable=False),  # sha256 of the tree's YAML files (engineering.tree.tree_hash)
    Column("actor", String(128), nullable=False),
    Column("at", Float, nullable=False),
    Column("reason", Text, nullable=False, default=""),
    Column("change_id", BigInteger, nullable=True),  # the reviewed change that produced it; None for a reload from disk
    Column("diff", Text, nullable=False, default=""),  # unified diff against the previous version
    Column("files", JSON, nullable=False),  # {relative path: text}: the whole tree, so any version can be restored
    Index("ix_engineering_versions_hash", "hash"),
)

engineering_changes = Table(
    "engineering_changes",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # edit, sheet, restore
    Column("status", String(16), nullable=False),  # pending, applied, rejected, withdrawn
    Column("submitter", String(128), nullable=False),
    Column("submitter_tier", String(16), nullable=False),
    Column("submitter_scope", String(64), nullable=False),
    Column("review_tier", String(16), nullable=False),  # who must approve: district, or the submitter's own tier
    Column("review_scope", String(64), nullable=False),
    Column("enterprises", JSON, nullable=False),  # enterprise codes touched; ["*"] for shared files
    Column("reason", Text, nullable=False),
    Column("ops", JSON, nullable=False),
    Column("diff", Text, nullable=False),  # as shown at submission
    Column("base_hash", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("reviewer", String(128), nullable=True),
    Column("review_note", Text, nullable=True),
    Column("reviewed_at", Float, nullable=True),
    Column("version_id", BigInteger, nullable=True),
    Index("ix_engineering_changes_status", "status", "review_tier", "review_scope"),
)
