"""Relational store for everything that is not a time series (users, alarm journal, workflows, audit).

SQLAlchemy 2 with Alembic migrations; SQLite in the data folder by default, PostgreSQL by URL.
Later issues add their tables in ``tables.py`` and a migration under ``migrations/versions``.
"""

from scada.store.audit import AuditEvent, AuditLog
from scada.store.db import StoreError, connect, current_revision, downgrade, upgrade

__all__ = ["AuditEvent", "AuditLog", "StoreError", "connect", "current_revision", "downgrade", "upgrade"]
