"""Errors of the warning workflow: one root, user-facing messages that say what to fix."""

from __future__ import annotations

from scada.errors import ScadaError


class RiskError(ScadaError):
    """A request the workflow cannot carry out (unknown warning, wrong state, bad input)."""


class NotFound(RiskError):
    """No such warning, task or notice — or not visible from the caller's tier scope."""


class Forbidden(RiskError):
    """The caller's tier may not do this (art. 23: scope every query and action by tier)."""
