"""Offline episodes of devices (from the health points on the tag bus) and offline reports 离线报备.

Blocking database calls: call from an executor in async code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, and_, func, insert, or_, select, update

from scada.errors import ScadaError
from scada.store.db import aware
from scada.store.tables import offline_episodes, offline_reports

REPORT_KINDS = ("maintenance", "power", "network", "equipment", "other")  # 检修 / 停电 / 网络 / 设备故障 / 其他


class OfflineReportError(ScadaError):
    """An offline report that cannot be filed as written."""


@dataclass(frozen=True, slots=True)
class OfflineReport:
    enterprise: str
    device: str | None
    kind: str
    reason: str
    reported_by: str
    planned_online_at: datetime
    reported_at: datetime | None = None
    id: int | None = None


class OfflineLog:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.engine = engine
        self._clock = clock

    def device_edge(self, enterprise: str, device: str, online: bool, at: datetime) -> None:
        """Record an online/offline edge: offline opens an episode, online closes the open one."""
        at = at.astimezone(UTC)
        with self.engine.begin() as conn:
            open_ = and_(
                offline_episodes.c.enterprise == enterprise, offline_episodes.c.device == device, offline_episodes.c.ended_at.is_(None)
            )
            if online:
                conn.execute(update(offline_episodes).where(open_).values(ended_at=at))
            elif conn.execute(select(func.count()).where(open_)).scalar_one() == 0:
                conn.execute(insert(offline_episodes).values(enterprise=enterprise, device=device, started_at=at))

    def day_summary(self, enterprise: str, device: str, day_start: datetime) -> tuple[int, float]:
        """(episodes started that day, offline seconds within the day) for one device."""
        day_end = day_start + timedelta(days=1)
        now = self._clock()
        query = select(offline_episodes.c.started_at, offline_episodes.c.ended_at).where(
            offline_episodes.c.enterprise == enterprise,
            offline_episodes.c.device == device,
            offline_episodes.c.started_at < day_end,
            or_(offline_episodes.c.ended_at.is_(None), offline_episodes.c.ended_at > day_start),
        )
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        count, seconds = 0, 0.0
        for started, ended in rows:
            started, ended = aware(started), aware(ended) if ended else now
            count += started >= day_start
            seconds += max(0.0, (min(ended, day_end) - max(started, day_start)).total_seconds())
        return count, seconds

    def file_report(self, report: OfflineReport) -> int:
        if report.kind not in REPORT_KINDS:
            raise OfflineReportError(f"offline report kind must be one of {', '.join(REPORT_KINDS)}, not {report.kind!r}")
        if not report.reason.strip():
            raise OfflineReportError("an offline report needs a reason")
        # Stored in UTC: SQLite keeps no offset, and a report may be written in Asia/Shanghai time.
        reported_at = (report.reported_at or self._clock()).astimezone(UTC)
        planned = report.planned_online_at.astimezone(UTC)
        if planned <= reported_at:
            raise OfflineReportError("the planned back-online time must be after the time of the report")
        with self.engine.begin() as conn:
            result = conn.execute(
                insert(offline_reports).values(
                    enterprise=report.enterprise,
                    device=report.device,
                    kind=report.kind,
                    reason=report.reason,
                    reported_by=report.reported_by,
                    reported_at=reported_at,
                    planned_online_at=planned,
                )
            )
            return int(result.inserted_primary_key[0])

    def reports(self, enterprise: str) -> list[OfflineReport]:
        query = select(offline_reports).where(offline_reports.c.enterprise == enterprise).order_by(offline_reports.c.id)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [
            OfflineReport(
                r["enterprise"],
                r["device"],
                r["kind"],
                r["reason"],
                r["reported_by"],
                aware(r["planned_online_at"]),
                aware(r["reported_at"]),
                r["id"],
            )
            for r in rows
        ]
