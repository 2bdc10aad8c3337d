"""Compound rules on durable-rules: conditions over *alarm states*, never over raw samples.

durable-rules costs tens of microseconds per message, a plain threshold check a fraction of one,
so the per-sample path stays in Python (``rules.detectors``) and only alarm changes reach this
module — each active alarm is one fact, asserted when it becomes active or changes level and
retracted when it clears. A rule such as "combustible gas high in a tank farm while a tank
level there is rising" is a join of facts on the hazard source.

durable-rules semantics relied on: a fact gets an explicit unique ``id`` (the alarm id; without
one, identical contents collide); facts fire every matching rule (so a match set is kept per
rule and scope, and a retracted fact ends the matches it was part of);
``MessageNotHandledException`` only means no rule matched. The host is built without its
background dispatch threads: every action runs synchronously inside ``assert_fact``.
"""

from __future__ import annotations

import contextlib
from typing import Any

from durable import engine as durable

from rules.config import CompoundRule, Condition

RULESET = "alarms"


class _Host(durable.Host):
    def _run(self) -> None:  # no timer threads: we use no durable timers and dispatch synchronously
        pass


def _condition(cond: Condition, rule: CompoundRule, first: bool) -> dict[str, Any]:
    terms: list[dict[str, Any]] = [{"t": "alarm"}, {"kind": cond.kind}]
    if cond.point_kind:
        terms.append({"point_kind": cond.point_kind})
    if cond.levels:
        terms.append({"$or": [{"level": lv} for lv in cond.levels]} if len(cond.levels) > 1 else {"level": cond.levels[0]})
    if first and rule.hazard_source_kinds:
        kinds = rule.hazard_source_kinds
        terms.append({"$or": [{"hs_kind": k} for k in kinds]} if len(kinds) > 1 else {"hs_kind": kinds[0]})
    if not first:
        terms.append({"hs": {"c0": "hs"}})  # the same hazard source as the first condition
    return {"$and": terms}


class CompoundEngine:
    """Feeds alarm facts to durable-rules; ``active`` is the set of (rule id, hazard source) matched now."""

    def __init__(self, rules: list[CompoundRule]) -> None:
        self.rules = {r.id: r for r in rules}
        self.kinds = {c.kind for r in rules for c in r.all}
        self._matches: dict[tuple[str, str], set[frozenset[str]]] = {}
        self._facts: dict[str, dict[str, Any]] = {}
        self.messages = 0
        definition = {}
        for rule in rules:
            conditions = [{f"c{i}": _condition(c, rule, i == 0)} for i, c in enumerate(rule.all)]
            definition[rule.id] = {"all": conditions, "run": self._action(rule)}
        self._host = _Host()
        if definition:
            self._host.register_rulesets({RULESET: definition})

    def _action(self, rule: CompoundRule):  # type: ignore[no-untyped-def]
        names = [f"c{i}" for i in range(len(rule.all))]

        def run(c: Any) -> None:
            facts = [getattr(c, n) for n in names]
            ids = frozenset(str(f["id"]) for f in facts)
            if len(ids) == len(facts) and all(i in self._facts for i in ids):  # one alarm cannot fill two conditions
                self._matches.setdefault((rule.id, str(facts[0]["hs"])), set()).add(ids)

        return run

    def update(self, alarm_id: str, fact: dict[str, Any] | None) -> None:
        """The alarm's fact now (None: not active). Retract the old fact, assert the new one."""
        if not self.rules:
            return
        old = self._facts.pop(alarm_id, None)
        if old is not None:
            self._call(self._host.retract_fact, old)
            for key in list(self._matches):
                self._matches[key] = {m for m in self._matches[key] if alarm_id not in m}
                if not self._matches[key]:
                    del self._matches[key]
        if fact is not None:
            fact = {**fact, "id": alarm_id, "sid": "0", "t": "alarm"}
            self._facts[alarm_id] = fact
            self._call(self._host.assert_fact, fact)

    def _call(self, method: Any, fact: dict[str, Any]) -> None:
        self.messages += 1
        with contextlib.suppress(durable.MessageNotHandledException):  # no rule matched: an ordinary outcome
            method(RULESET, fact)

    @property
    def active(self) -> set[tuple[str, str]]:
        return set(self._matches)

    def members(self, key: tuple[str, str]) -> list[str]:
        """The alarms behind a compound alarm (for its message and journal detail)."""
        return sorted({a for m in self._matches.get(key, ()) for a in m})
