"""Beijing time and the Chinese working-day calendar (holidays and adjusted working days 调休).

China keeps UTC+8 all year (no daylight saving), so a fixed offset is exact and needs no tz database.
The calendar is data (``data/workdays.csv``, one row per holiday or adjusted working day).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone
from functools import cache
from importlib.resources import files

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
WEEKDAYS_ZH = "一二三四五六日"


def local(t: float) -> datetime:
    return datetime.fromtimestamp(t, BEIJING)


def day_of(t: float) -> date:
    return local(t).date()


def at(day: date, clock_time: time) -> float:
    """POSIX seconds of a Beijing wall-clock time on ``day``."""
    return datetime.combine(day, clock_time, BEIJING).timestamp()


def day_start(day: date) -> float:
    return at(day, time(0, 0))


def month_bounds(month: str) -> tuple[float, float]:
    """[start, end) POSIX seconds of a Beijing calendar month written YYYY-MM."""
    try:
        first = datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        from governance.errors import GovernanceError

        raise GovernanceError(f"month {month!r}: write YYYY-MM, e.g. 2026-03") from None
    nxt = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return day_start(first), day_start(nxt)


def previous_month(t: float) -> str:
    first = day_of(t).replace(day=1)
    last = first - timedelta(days=1)
    return f"{last.year:04d}-{last.month:02d}"


def days(start: date, end: date) -> list[date]:
    """Days in [start, end)."""
    return [start + timedelta(days=i) for i in range((end - start).days)]


def iso_utc(t: float | None) -> str | None:
    return None if t is None else datetime.fromtimestamp(t, UTC).isoformat()


@dataclass(frozen=True)
class WorkCalendar:
    holidays: dict[date, str]
    workdays: dict[date, str]  # adjusted working days on a weekend

    def is_working(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day not in self.holidays and day.weekday() < 5

    def working_days(self, start: date, end: date) -> list[date]:
        """Working days in [start, end)."""
        return [d for d in days(start, end) if self.is_working(d)]

    def latest_notice_day(self, work_day: date, lead: int) -> date:
        """The last day a notice may be given for work on ``work_day`` with ``lead`` working days of notice."""
        d, found = work_day, 0
        while found < lead:
            d -= timedelta(days=1)
            found += self.is_working(d)
        return d

    def describe(self, day: date) -> str:
        name = self.holidays.get(day) or self.workdays.get(day)
        kind = "holiday 节假日" if day in self.holidays else "adjusted working day 调休上班" if day in self.workdays else ""
        return f"{day.isoformat()} (周{WEEKDAYS_ZH[day.weekday()]})" + (f" {name} {kind}" if name else "")


@cache
def calendar() -> WorkCalendar:
    holidays: dict[date, str] = {}
    workdays: dict[date, str] = {}
    text = files("governance").joinpath("data/workdays.csv").read_text(encoding="utf-8")
    for row in csv.reader(line for line in text.splitlines() if line and not line.startswith("#")):
        day, kind, name = date.fromisoformat(row[0]), row[1], row[2]
        (holidays if kind == "holiday" else workdays)[day] = name
    return WorkCalendar(holidays, workdays)
