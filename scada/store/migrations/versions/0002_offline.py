"""Device offline episodes and enterprises' offline reports 离线报备 (art. 19).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offline_episodes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("device", sa.String(64), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_offline_episodes_device", "offline_episodes", ["enterprise", "device", "started_at"])
    op.create_table(
        "offline_reports",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer, "sqlite"), primary_key=True, autoincrement=True),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("device", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reported_by", sa.String(128), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("planned_online_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_offline_reports_enterprise", "offline_reports", ["enterprise", "reported_at"])


def downgrade() -> None:
    op.drop_index("ix_offline_reports_enterprise", "offline_reports")
    op.drop_table("offline_reports")
    op.drop_index("ix_offline_episodes_device", "offline_episodes")
    op.drop_table("offline_episodes")
