"""Governance workflows: daily commitments and reminders, out-of-service declarations, account
applications and their steps, forced password changes, maintenance notices and reads, usage
problems, generated monthly reports (governance/).

Revision ID: 0008
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")
TABLES = (
    "gov_commitments",
    "gov_reminders",
    "gov_declarations",
    "gov_account_requests",
    "gov_account_steps",
    "gov_password_changes",
    "gov_notices",
    "gov_notice_reads",
    "gov_problems",
    "gov_reports",
)


def upgrade() -> None:
    op.create_table(
        "gov_commitments",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("filed_at", sa.Float, nullable=False),
        sa.Column("filed_by", sa.String(128), nullable=False),
        sa.Column("signer", sa.String(128), nullable=False),
        sa.Column("late", sa.Boolean, nullable=False),
        sa.Column("form", sa.JSON, nullable=False),
        sa.Column("major_hazard", sa.Boolean, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.UniqueConstraint("enterprise", "day", name="uq_gov_commitments_day"),
    )
    op.create_table(
        "gov_reminders",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("slot", sa.String(16), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.UniqueConstraint("enterprise", "day", "slot", name="uq_gov_reminders"),
    )
    op.create_table(
        "gov_declarations",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("devices", sa.JSON, nullable=False),
        sa.Column("tags", sa.JSON, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("start_at", sa.Float, nullable=False),
        sa.Column("end_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("applied", sa.Boolean, nullable=False, server_default=sa.false()),
        sa.Column("filed_by", sa.String(128), nullable=False),
        sa.Column("filed_at", sa.Float, nullable=False),
        sa.Column("reviewed_by", sa.String(128), nullable=True),
        sa.Column("reviewed_at", sa.Float, nullable=True),
        sa.Column("review_note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_gov_declarations_status", "gov_declarations", ["status", "end_at"])
    op.create_table(
        "gov_account_requests",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("action", sa.String(8), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(128), nullable=False, server_default=""),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step", sa.String(16), nullable=True),
        sa.Column("created_at", sa.Float, nullable=False),
    )
    op.create_table(
        "gov_account_steps",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("request_id", sa.BigInteger, nullable=False),
        sa.Column("step", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("unit", sa.String(80), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_gov_account_steps_request", "gov_account_steps", ["request_id", "id"])
    op.create_table(
        "gov_password_changes",
        sa.Column("username", sa.String(64), primary_key=True),
        sa.Column("must_change", sa.Boolean, nullable=False),
        sa.Column("set_at", sa.Float, nullable=False),
        sa.Column("changed_at", sa.Float, nullable=True),
    )
    op.create_table(
        "gov_notices",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("title", sa.String(256), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("work_start", sa.Float, nullable=False),
        sa.Column("work_end", sa.Float, nullable=False),
        sa.Column("recipients", sa.JSON, nullable=False),
        sa.Column("scheduled_by", sa.String(128), nullable=False),
        sa.Column("scheduled_at", sa.Float, nullable=False),
        sa.Column("working_days", sa.Integer, nullable=False),
    )
    op.create_table(
        "gov_notice_reads",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("notice_id", sa.BigInteger, nullable=False),
        sa.Column("unit", sa.String(80), nullable=False),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.UniqueConstraint("notice_id", "unit", name="uq_gov_notice_reads"),
    )
    op.create_table(
        "gov_problems",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("district", sa.String(64), nullable=False),
        sa.Column("title", sa.String(256), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("filed_by", sa.String(128), nullable=False),
        sa.Column("filed_at", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("response", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_by", sa.String(128), nullable=True),
        sa.Column("updated_at", sa.Float, nullable=True),
    )
    op.create_table(
        "gov_reports",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("unit", sa.String(80), nullable=False),
        sa.Column("month", sa.String(7), nullable=False),
        sa.Column("fmt", sa.String(8), nullable=False),
        sa.Column("path", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("generated_at", sa.Float, nullable=False),
        sa.Column("generated_by", sa.String(128), nullable=False),
        sa.Column("figures", sa.JSON, nullable=False),
    )
    op.create_index("ix_gov_reports_unit", "gov_reports", ["unit", "month"])


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
