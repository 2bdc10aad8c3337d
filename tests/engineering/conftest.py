"""Fixtures: the engineering rig (tests/support/engineering_rig.py) on SQLite, and on SQLite and PostgreSQL."""

from engineering_rig import eng, eng_db  # noqa: F401
