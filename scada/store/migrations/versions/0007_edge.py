"""Edge gateways (edge/): HTTP push tokens per gateway and the batches already ingested over HTTP.

Revision ID: 0007
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0004"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "edge_tokens",
        sa.Column("id", ID, primary_key=True, autoincrement=True),
        sa.Column("enterprise", sa.String(64), nullable=False),
        sa.Column("gateway", sa.String(128), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("created_by", sa.String(128), nullable=False),
        sa.Column("revoked_at", sa.Float, nullable=True),
        sa.Index("ix_edge_tokens_enterprise", "enterprise"),
    )
    op.create_table(
        "edge_http_batches",
        sa.Column("enterprise", sa.String(64), primary_key=True),
        sa.Column("stream", sa.String(64), primary_key=True),
        sa.Column("seq", sa.BigInteger, primary_key=True),
        sa.Column("samples", sa.Integer, nullable=False),
        sa.Column("received_at", sa.Float, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("edge_http_batches")
    op.drop_table("edge_tokens")
