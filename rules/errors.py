"""The alarm engine's error root: an operator action that cannot be carried out as asked."""

from __future__ import annotations

from scada.errors import ScadaError


class AlarmError(ScadaError):
    """An alarm action refused: unknown alarm, missing user or note, wrong state, shelving too long."""
