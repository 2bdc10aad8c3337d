"""The historian's own health as tag values: remote reachable, buffer fill, the "buffer nearly full" alarm.

Published through the tag store like any point (so the alarm engine can alarm on them, screens
show them and the historian records them), and logged once on each edge of the alarm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from tags import Quality, TagUpdate

log = logging.getLogger(__name__)

PREFIX = "_system.historian"
TAG_REMOTE_ONLINE = f"{PREFIX}.remote_online"
TAG_BUFFER_FILL = f"{PREFIX}.buffer_fill_pct"
TAG_BUFFER_ALARM = f"{PREFIX}.buffer_alarm"
TAG_REFUSED_ROWS = f"{PREFIX}.refused_rows"
STATUS_TAGS = (TAG_REMOTE_ONLINE, TAG_BUFFER_FILL, TAG_BUFFER_ALARM, TAG_REFUSED_ROWS)


class StatusPublisher:
    def __init__(self, publish: Callable[[list[TagUpdate]], None] | None, clock: Callable[[], float], warn_fraction: float) -> None:
        self._publish = publish
        self._clock = clock
        self._warn = warn_fraction
        self._last: tuple[bool, float, bool, int] | None = None

    def update(self, fill: float, remote_online: bool, refused_rows: int) -> None:
        alarm = fill >= self._warn or refused_rows > 0
        state = (remote_online, round(fill * 100, 1), alarm, refused_rows)
        if state == self._last:
            return
        if alarm != (self._last[2] if self._last else False):
            if alarm:
                log.error("historian buffer nearly full", extra={"ctx": {"fill_pct": state[1], "refused_rows": refused_rows}})
            else:
                log.info("historian buffer below its warning level again", extra={"ctx": {"fill_pct": state[1]}})
        self._last = state
        if self._publish is not None:
            now = self._clock()
            self._publish([TagUpdate(tag, value, Quality.GOOD, now) for tag, value in zip(STATUS_TAGS, state, strict=True)])
