"""Alarm journal, alarm records and the persisted active-alarm states (rules/, the alarm engine).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "alarm_journal",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alarm_id", sa.String(256), nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=True),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("hazard_source", sa.String(64), nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("transition", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(32), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("value", sa.JSON, nullable=True),
        sa.Column("limit_value", sa.Float, nullable=True),
        sa.Column("user", sa.String(128), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_alarm_journal_at", "alarm_journal", ["at"])
    op.create_index("ix_alarm_journal_alarm", "alarm_journal", ["alarm_id", "at"])
    op.create_index("ix_alarm_journal_enterprise", "alarm_journal", ["enterprise", "at"])
    op.create_table(
        "alarm_records",
        sa.Column("id", ID, primary_key=True, autoincrement=False),
        sa.Column("alarm_id", sa.String(256), nullable=False),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("hazard_source", sa.String(64), nullable=False),
        sa.Column("source", sa.String(256), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("priority", sa.String(32), nullable=False),
        sa.Column("start_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("clear_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("clear_type", sa.String(32), nullable=True),
        sa.Column("missed", sa.Boolean, nullable=False),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_index("ix_alarm_records_start", "alarm_records", ["start_at"])
    op.create_index("ix_alarm_records_enterprise", "alarm_records", ["enterprise", "start_at"])
    op.create_table(
        "alarm_states",
        sa.Column("alarm_id", sa.String(256), primary_key=True),
        sa.Column("definition", sa.JSON, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("record_id", sa.BigInteger, nullable=True),
        sa.Column("since", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alarm_states")
    op.drop_index("ix_alarm_records_enterprise", "alarm_records")
    op.drop_index("ix_alarm_records_start", "alarm_records")
    op.drop_table("alarm_records")
    op.drop_index("ix_alarm_journal_enterprise", "alarm_journal")
    op.drop_index("ix_alarm_journal_alarm", "alarm_journal")
    op.drop_index("ix_alarm_journal_at", "alarm_journal")
    op.drop_table("alarm_journal")
