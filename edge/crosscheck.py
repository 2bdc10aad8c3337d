"""Gateway alarm cross-check (漏报): the gateway's own alarm state of a point as tag ``<TAG><suffix>``.

The edge turns its alarm engine's limit-alarm transitions into boolean samples of ``<TAG>_ALM``
(suffix from alarms.yaml ``gateway_status``) sent with its values; the central defines those
tags and hands them to its alarm engine's missed-alarm check, which marks a platform alarm the
gateway did not report within ``grace_s`` as missed. A plant that configures ``<TAG>_ALM``
points of its own keeps them: only the missing ones are added.
"""

from __future__ import annotations

from collections.abc import Iterable

from rules.detectors import LimitDetector
from rules.engine import CHANGES, AlarmEngine
from rules.events import AlarmEvent
from tags import Quality, TagUpdate

GOOD = int(Quality.GOOD)


def limit_points(alarms: AlarmEngine) -> list[str]:
    """Tags that have a limit alarm in this engine."""
    return [tag for tag, dets in alarms.routes.items() if any(isinstance(d, LimitDetector) for d in dets)]


def status_samples(events: Iterable[AlarmEvent], suffix: str) -> list[TagUpdate]:
    """Edge side: limit-alarm transitions → samples of ``<TAG><suffix>`` (True while the alarm is active)."""
    return [
        TagUpdate(e.alarm.source + suffix, e.state.active, GOOD, e.at)
        for e in events
        if e.alarm.kind == "limit" and e.transition in CHANGES
    ]


def wire_gateway_status(alarms: AlarmEngine) -> list[str]:
    """Central side: route ``<TAG><suffix>`` into the engine's missed-alarm check for every limit point
    that has no such configured point; returns the status tags to define in the tag store."""
    suffix = alarms.config.gateway_status.suffix
    if not suffix:
        return []
    added = []
    for tag in limit_points(alarms):
        status = tag + suffix
        if status in alarms.gateway:
            continue
        alarms.add_gateway_status(status, tag)
        added.append(status)
    return added
