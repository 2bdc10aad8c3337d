"""Historian errors: a remote that may come back (retry) versus a request that will never succeed."""

from __future__ import annotations

from scada.errors import ScadaError


class HistorianError(ScadaError):
    """A request the historian refuses (bad query, refused write): retrying will not help."""


class HistorianUnavailable(HistorianError):
    """The remote historian cannot be reached or is overloaded: keep the data and retry later."""
