"""Alembic environment: runs migrations on the engine handed over by ``scada.store.db``."""

from __future__ import annotations

from alembic import context

from scada.store.tables import metadata

engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=engine.dialect.name == "sqlite")
    context.run_migrations()
