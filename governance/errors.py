"""One error root for governance: what was refused and why, said to the user as it is."""

from __future__ import annotations

from scada.errors import ScadaError


class GovernanceError(ScadaError):
    """A request that cannot be carried out as asked (HTTP 400)."""


class Forbidden(GovernanceError):
    """The caller's role or tier does not own this step (HTTP 403)."""


class NotFound(GovernanceError):
    """No such record inside the caller's scope: answered 403 like any refusal, since it is raised alike for an id
    that does not exist and for one outside the scope."""
