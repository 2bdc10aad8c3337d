"""``scada export`` and ``scada history``: the historian on the command line (the HMI calls the same code)."""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from historian.config import load_historian_config
from historian.export import AGG_HEADERS, RAW_HEADERS, PointMeta, bucket_lines, raw_lines, write_csv, write_xlsx
from historian.service import Historian
from historian.status import STATUS_TAGS
from scada.errors import ScadaError
from scada.settings import Settings
from tags.patterns import TagPattern

_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smhd])$")
_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class ExportError(ScadaError):
    pass


def parse_time(text: str, option: str) -> float:
    """ISO 8601 (Beijing time unless an offset is given) or ``now``."""
    if text == "now":
        return time.time()
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ExportError(f"{option} {text!r}: give a time as 2026-11-29T08:00 (Beijing time) or 2026-11-29T00:00+00:00") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))).timestamp()


def parse_duration(text: str, option: str) -> float:
    m = _DURATION.match(text)
    if not m:
        raise ExportError(f"{option} {text!r}: give a duration as 90s, 15m, 24h or 30d")
    return float(m.group(1)) * _UNIT_S[m.group(2)]


def time_range(args: argparse.Namespace) -> tuple[float, float]:
    end = parse_time(args.end, "--end")
    start = end - parse_duration(args.last, "--last") if args.start is None else parse_time(args.start, "--start")
    if start >= end:
        raise ExportError(f"the range is empty: --start must be before --end ({args.start} ≥ {args.end})")
    return start, end


def catalogue(settings: Settings) -> tuple[list[str], Callable[[str], PointMeta]]:
    """Every tag the historian may hold (plant points, device health, its own status) and each one's metadata."""
    from scada.config import load_plant
    from scada.drivers.acquisition import health_tags

    plant = load_plant(settings.config_dir)
    points = plant.point_by_tag
    tags = [p.tag for p in plant.points] + list(health_tags(plant)) + list(STATUS_TAGS)

    def meta(tag: str) -> PointMeta:
        ref = points.get(tag)
        return PointMeta(ref.code, ref.point.name, ref.point.unit) if ref else PointMeta(tag, "", "")

    return tags, meta


def select(tags: list[str], patterns: list[str]) -> list[str]:
    """Catalogue tags matching the globs, plus exact names as given (history of a point since removed from the configuration)."""
    pattern = TagPattern(patterns)
    chosen = [t for t in tags if pattern.match(t)]
    chosen += [p for p in patterns if not any(c in p for c in "*?[") and p not in chosen]
    if not chosen:
        raise ExportError(f"no point matches {' '.join(patterns)} (tags look like E01.T101.LT; globs like 'E01.T101.*' work)")
    return chosen


def open_historian(settings: Settings) -> Historian:
    return Historian(load_historian_config(settings.config_dir), settings.data_dir)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    start, end = time_range(args)
    tags, meta = catalogue(settings)
    chosen = select(tags, args.points)
    fmt = args.format or ("xlsx" if args.output and args.output.endswith(".xlsx") else "csv")
    if fmt == "xlsx" and not args.output:
        raise ExportError("an xlsx export needs --output FILE.xlsx")
    historian = open_historian(settings)
    try:
        if args.interval is not None:
            header = AGG_HEADERS[args.lang]
            lines = bucket_lines(historian.aggregate(chosen, start, end, interval_s=parse_duration(args.interval, "--interval")), meta)
        else:
            header = RAW_HEADERS[args.lang]
            lines = raw_lines(historian.raw(chosen, start, end), meta)
        if fmt == "xlsx":
            count = write_xlsx(header, lines, Path(args.output))
        elif args.output:
            with open(args.output, "w", newline="", encoding="utf-8-sig") as out:  # BOM: Excel opens UTF-8 CSV right
                count = write_csv(header, lines, out)
        else:
            count = write_csv(header, lines, sys.stdout)
    finally:
        historian.close()
    print(f"exported {count} rows of {len(chosen)} points", file=sys.stderr)
    return 0
