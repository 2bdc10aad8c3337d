"""The warning lifecycle as declarative rules on durable-rules, built from ``risk.yaml``'s workflow.

One rule per (event, colour[, timer]): ``raised`` pushes to the colour's tiers, creates their
tasks and arms the deadline and the colour's timers; a configured timer (orange: the park sends
staff after 1 h) creates its tasks; the ``deadline`` timer sets off the missed-deadline path
(notice from issuer to recipient, inspection tasks, interview); ``feedback`` reports to the
tiers the regulation names and, verified as an accident, starts the emergency plan; ``closed``
cancels what is still armed. An event is consumed by exactly one rule, so the conditions are
disjoint by construction.

Timers: durable-rules' own timers run on the wall clock inside its C engine and live in its
memory, so they can neither follow an injected clock nor survive a restart. Here a timer is a
row in ``risk_timers`` (armed by a rule, fired by ``WarningWorkflow.tick`` on the injected
clock) and its expiry is posted back as a ``timer`` event that rules match — the same shape as
a durable-rules timer event, with the persistence durable-rules lacks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from durable import engine as durable

from risk.config import WARNING_COLOURS, ColourFlow, Timer, Workflow

RULESET = "warnings"


class Steps(Protocol):
    """What rules can do; the workflow implements them against the current transaction."""

    def raised(self, flow: ColourFlow) -> None: ...
    def timer_tasks(self, timer: Timer) -> None: ...
    def overdue(self, flow: ColourFlow) -> None: ...
    def report(self, flow: ColourFlow) -> None: ...
    def emergency(self) -> None: ...
    def closed(self) -> None: ...


class _Host(durable.Host):
    def _run(self) -> None:  # no dispatch threads: actions run synchronously inside post()
        pass


def _when(**terms: Any) -> list[dict[str, Any]]:
    return [{"m": {"$and": [{k: v} for k, v in terms.items()]}}]


def definitions(wf: Workflow, steps: Steps) -> dict[str, tuple[list[dict[str, Any]], Callable[[], None]]]:
    """Rule name → (durable-rules condition, action). Readable as the regulation's table."""
    rules: dict[str, tuple[list[dict[str, Any]], Callable[[], None]]] = {}
    for colour in WARNING_COLOURS:
        flow = wf.flow(colour)
        rules[f"{colour}_raised"] = (_when(t="raised", colour=colour), lambda f=flow: steps.raised(f))
        for timer in flow.timers:
            rules[f"{colour}_{timer.name}"] = (_when(t="timer", colour=colour, name=timer.name), lambda t=timer: steps.timer_tasks(t))
        rules[f"{colour}_overdue"] = (_when(t="timer", colour=colour, name="deadline"), lambda f=flow: steps.overdue(f))
        rules[f"{colour}_feedback"] = (_when(t="feedback", colour=colour, accident=False), lambda f=flow: steps.report(f))
        rules[f"{colour}_accident"] = (_when(t="feedback", colour=colour, accident=True), _accident(steps, flow))
    rules["closed"] = (_when(t="closed"), steps.closed)
    return rules


def _accident(steps: Steps, flow: ColourFlow) -> Callable[[], None]:
    def run() -> None:  # art. 13: verified as an accident → the emergency plan starts
        steps.report(flow)
        steps.emergency()

    return run


class WarningRules:
    """A durable-rules host with the warning ruleset; ``post`` runs the matching rule's action now."""

    def __init__(self, wf: Workflow, steps: Steps) -> None:
        self._error: BaseException | None = None
        self.rules = definitions(wf, steps)
        ruleset = {name: {"all": cond, "run": self._guard(action)} for name, (cond, action) in self.rules.items()}
        self._host = _Host()
        self._host.register_rulesets({RULESET: ruleset})

    def _guard(self, action: Callable[[], None]) -> Callable[[Any], None]:
        # durable-rules swallows an action's exception into its state (and then stalls that state):
        # keep it and raise it from post(), so the caller's transaction rolls back.
        def run(_c: Any) -> None:
            try:
                action()
            except BaseException as exc:
                self._error = exc

        return run

    def post(self, event: dict[str, Any]) -> bool:
        """True when a rule handled the event, False when none matches (e.g. a timer no longer configured)."""
        self._error = None
        try:
            self._host.post(RULESET, {**event, "sid": "0"})
        except durable.MessageNotHandledException:
            return False
        if self._error is not None:
            raise self._error
        return True
