"""Enterprise warning level and warning workflow: evaluations, warnings, tasks, notices, feedback,
attachments, persisted timers and notification deliveries (risk/).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "risk_evaluations",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("inherent", sa.String(8), nullable=False),
        sa.Column("dynamic", sa.Float, nullable=False),
        sa.Column("band", sa.Integer, nullable=False),
        sa.Column("previous", sa.String(8), nullable=True),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("changed", sa.Boolean, nullable=False),
        sa.Column("breakdown", sa.JSON, nullable=False),
    )
    op.create_index("ix_risk_evaluations_enterprise", "risk_evaluations", ["enterprise", "at"])
    op.create_table(
        "risk_levels",
        sa.Column("enterprise", sa.String(64), primary_key=True),
        sa.Column("level", sa.String(8), nullable=False),
        sa.Column("since", sa.Float, nullable=False),
        sa.Column("evaluation_id", sa.BigInteger, nullable=True),
    )
    op.create_table(
        "risk_warnings",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("park", sa.String(64), nullable=True),
        sa.Column("colour", sa.String(8), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("raised_at", sa.Float, nullable=False),
        sa.Column("deadline_at", sa.Float, nullable=False),
        sa.Column("closed_at", sa.Float, nullable=True),
        sa.Column("close_reason", sa.String(16), nullable=True),
        sa.Column("level_after", sa.String(8), nullable=True),
        sa.Column("overdue", sa.Boolean, nullable=False),
        sa.Column("accident", sa.Boolean, nullable=False),
        sa.Column("evaluation_id", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_risk_warnings_enterprise", "risk_warnings", ["enterprise", "raised_at"])
    op.create_index("ix_risk_warnings_status", "risk_warnings", ["status", "raised_at"])
    op.create_table(
        "risk_warning_events",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("warning_id", sa.BigInteger, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("unit", sa.String(80), nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_risk_warning_events_warning", "risk_warning_events", ["warning_id", "id"])
    op.create_table(
        "risk_tasks",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("warning_id", sa.BigInteger, nullable=False),
        sa.Column("unit", sa.String(80), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("done_at", sa.Float, nullable=True),
        sa.Column("done_by", sa.String(128), nullable=True),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_risk_tasks_warning", "risk_tasks", ["warning_id"])
    op.create_index("ix_risk_tasks_unit", "risk_tasks", ["unit", "status"])
    op.create_table(
        "risk_notices",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("warning_id", sa.BigInteger, nullable=True),
        sa.Column("issued_at", sa.Float, nullable=False),
        sa.Column("issuer", sa.String(80), nullable=False),
        sa.Column("recipient", sa.String(80), nullable=False),
        sa.Column("title", sa.String(256), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("issued_by", sa.String(128), nullable=False),
        sa.Column("read_at", sa.Float, nullable=True),
        sa.Column("read_by", sa.String(128), nullable=True),
    )
    op.create_index("ix_risk_notices_recipient", "risk_notices", ["recipient", "issued_at"])
    op.create_table(
        "risk_feedback",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("warning_id", sa.BigInteger, nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("by", sa.String(128), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("accident", sa.Boolean, nullable=False),
        sa.Column("reported_to", sa.JSON, nullable=False),
    )
    op.create_index("ix_risk_feedback_warning", "risk_feedback", ["warning_id"])
    op.create_table(
        "risk_attachments",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("feedback_id", sa.BigInteger, nullable=False),
        sa.Column("warning_id", sa.BigInteger, nullable=False),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("content_type", sa.String(128), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_risk_attachments_feedback", "risk_attachments", ["feedback_id"])
    op.create_table(
        "risk_timers",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("warning_id", sa.BigInteger, nullable=False),
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("colour", sa.String(8), nullable=False),
        sa.Column("due_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("fired_at", sa.Float, nullable=True),
    )
    op.create_index("ix_risk_timers_due", "risk_timers", ["status", "due_at"])
    op.create_table(
        "risk_notifications",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("warning_id", sa.BigInteger, nullable=True),
        sa.Column("unit", sa.String(80), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("address", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(256), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("sound", sa.Boolean, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("sent_at", sa.Float, nullable=True),
        sa.Column("seen_at", sa.Float, nullable=True),
        sa.Column("seen_by", sa.String(128), nullable=True),
    )
    op.create_index("ix_risk_notifications_unit", "risk_notifications", ["unit", "channel", "id"])
    op.create_index("ix_risk_notifications_due", "risk_notifications", ["status", "next_attempt_at"])


def downgrade() -> None:
    # dropping a table drops its indexes
    op.drop_table("risk_notifications")
    op.drop_table("risk_timers")
    op.drop_table("risk_attachments")
    op.drop_table("risk_feedback")
    op.drop_table("risk_notices")
    op.drop_table("risk_tasks")
    op.drop_table("risk_warning_events")
    op.drop_table("risk_warnings")
    op.drop_table("risk_levels")
    op.drop_table("risk_evaluations")
