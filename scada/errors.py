"""The error root of the ``scada`` package. User-facing errors say what, where and how to fix it."""

from __future__ import annotations


class ScadaError(Exception):
    """Base of every error this package raises on purpose; the CLI prints these without a traceback."""
