"""Video: per-camera availability per day and video spot checks 视频抽查 (video/).

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "video_availability",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("camera", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("seconds", sa.Float, nullable=False),
        sa.UniqueConstraint("day", "enterprise", "camera", "status", name="uq_video_availability"),
    )
    op.create_table(
        "video_spot_checks",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(128), nullable=False),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("camera", sa.String(64), nullable=False),
        sa.Column("drawn_by", sa.String(128), nullable=False),
        sa.Column("drawn_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("result", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("checked_by", sa.String(128), nullable=True),
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_video_spot_checks_enterprise", "video_spot_checks", ["enterprise", "drawn_at"])


def downgrade() -> None:
    op.drop_index("ix_video_spot_checks_enterprise", "video_spot_checks")
    op.drop_table("video_spot_checks")
    op.drop_table("video_availability")
