"""Engineering: configuration versions and reviewed change requests (engineering/).

Revision ID: 0009
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "engineering_versions",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("change_id", sa.BigInteger, nullable=True),
        sa.Column("diff", sa.Text, nullable=False, server_default=""),
        sa.Column("files", sa.JSON, nullable=False),
    )
    op.create_index("ix_engineering_versions_hash", "engineering_versions", ["hash"])
    op.create_table(
        "engineering_changes",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("submitter", sa.String(128), nullable=False),
        sa.Column("submitter_tier", sa.String(16), nullable=False),
        sa.Column("submitter_scope", sa.String(64), nullable=False),
        sa.Column("review_tier", sa.String(16), nullable=False),
        sa.Column("review_scope", sa.String(64), nullable=False),
        sa.Column("enterprises", sa.JSON, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("ops", sa.JSON, nullable=False),
        sa.Column("diff", sa.Text, nullable=False),
        sa.Column("base_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("reviewer", sa.String(128), nullable=True),
        sa.Column("review_note", sa.Text, nullable=True),
        sa.Column("reviewed_at", sa.Float, nullable=True),
        sa.Column("version_id", sa.BigInteger, nullable=True),
    )
    op.create_index("ix_engineering_changes_status", "engineering_changes", ["status", "review_tier", "review_scope"])


def downgrade() -> None:
    op.drop_table("engineering_changes")
    op.drop_table("engineering_versions")
