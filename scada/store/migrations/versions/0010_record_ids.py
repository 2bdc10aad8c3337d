"""Alarm record ids reserved from the store: a counter row per kind, so workers sharing one store never collide.

Revision ID: 0010
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    counters = op.create_table(
        "id_counters",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("next", sa.BigInteger, nullable=False),
    )
    # Past every record already stored: ids counted per process before this revision stay unique.
    highest = op.get_bind().execute(sa.text("SELECT coalesce(max(id), 0) FROM alarm_records")).scalar_one()
    op.bulk_insert(counters, [{"name": "alarm_records", "next": int(highest) + 1}])


def downgrade() -> None:
    op.drop_table("id_counters")
