"""Trend exports: CSV and Excel (xlsx) for a set of points and a time range, streamed.

Rows are read from the historian and written one at a time, so a month of 1 s data for 50 points
never sits in memory: CSV goes straight to the output; xlsx uses openpyxl's write-only mode and
opens a new sheet every 1,048,575 rows (Excel's limit per sheet). Times are shown in Beijing time
with their offset (``+08:00``), as control rooms read them; quality by name and by code.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, NamedTuple

from historian.rows import US, Bucket, Row
from tags.quality import quality_name

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")
XLSX_MAX_ROWS = 1_048_576  # per sheet, header included


class PointMeta(NamedTuple):
    code: str  # 指标编码
    name: str
    unit: str


RAW_HEADERS = {
    "zh": ["指标编码", "位号", "名称", "单位", "采集时间", "接收时间", "数值", "质量", "质量码"],
    "en": ["point_code", "tag", "name", "unit", "source_time", "server_time", "value", "quality", "quality_code"],
}
AGG_HEADERS = {
    "zh": ["指标编码", "位号", "名称", "单位", "区间开始", "平均值", "最小值", "最大值", "末值", "有效样本数"],
    "en": ["point_code", "tag", "name", "unit", "interval_start", "mean", "min", "max", "last", "good_samples"],
}


def local_time(t_us: int) -> str:
    return datetime.fromtimestamp(t_us / US, BEIJING).isoformat(timespec="milliseconds")


def raw_lines(rows: Iterable[Row], meta: Callable[[str], PointMeta]) -> Iterator[list[object]]:
    cache: dict[str, PointMeta] = {}
    for r in rows:
        m = cache.get(r.tag) or cache.setdefault(r.tag, meta(r.tag))
        yield [m.code, r.tag, m.name, m.unit, local_time(r.t), local_time(r.server_t), r.value, quality_name(r.quality), r.quality]


def bucket_lines(buckets: Iterable[Bucket], meta: Callable[[str], PointMeta]) -> Iterator[list[object]]:
    cache: dict[str, PointMeta] = {}
    for b in buckets:
        m = cache.get(b.tag) or cache.setdefault(b.tag, meta(b.tag))
        yield [m.code, b.tag, m.name, m.unit, local_time(b.t), b.mean, b.min, b.max, b.last, b.count]


def write_csv(header: list[str], lines: Iterable[list[object]], out: IO[str]) -> int:
    """Write to an open text stream (use ``newline=""``); returns data rows written."""
    writer = csv.writer(out)
    writer.writerow(header)
    count = 0
    for line in lines:
        writer.writerow(["" if v is None else v for v in line])
        count += 1
    return count


def write_xlsx(header: list[str], lines: Iterable[list[object]], path: Path, title: str = "history") -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet, in_sheet, count, sheets = None, XLSX_MAX_ROWS, 0, 0
    for line in lines:
        if in_sheet >= XLSX_MAX_ROWS:
            sheets += 1
            sheet = book.create_sheet(title if sheets == 1 else f"{title}-{sheets}")
            sheet.append(header)
            in_sheet = 1
        sheet.append(line)  # type: ignore[union-attr]
        in_sheet += 1
        count += 1
    if sheet is None:
        book.create_sheet(title).append(header)
    book.save(path)
    return count
