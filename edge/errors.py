"""Errors of the edge uplink and ingest."""

from __future__ import annotations

from scada.errors import ScadaError


class EdgeError(ScadaError):
    """Root of the edge package's errors."""


class PayloadError(EdgeError):
    """A message that is not a batch of this format: logged and dropped, never raised into a loop."""


class TokenError(EdgeError):
    """An HTTP push token that is unknown, revoked or used for another enterprise."""
