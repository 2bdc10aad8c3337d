"""Journal export: CSV (UTF-8 with BOM, so spreadsheet programs show Chinese text) or xlsx."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from rules.journal import JOURNAL_COLUMNS


def _cell(row: dict[str, Any], column: str) -> Any:
    value = row.get(column)
    if column == "at":
        return value.isoformat() if value is not None else ""
    return "" if value is None else value


def to_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(JOURNAL_COLUMNS)
    for row in rows:
        writer.writerow([_cell(row, c) for c in JOURNAL_COLUMNS])
    return out.getvalue()


def write(rows: list[dict[str, Any]], path: Path) -> None:
    """By the file's suffix: ``.xlsx`` or ``.csv``."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook  # only when asked: it is a slow import

        book = Workbook()
        sheet = book.active
        sheet.title = "alarm journal"
        sheet.append(list(JOURNAL_COLUMNS))
        for row in rows:
            sheet.append([_cell(row, c) if not isinstance(row.get(c), dict | list) else str(row.get(c)) for c in JOURNAL_COLUMNS])
        book.save(path)
    else:
        path.write_text(to_csv(rows), encoding="utf-8-sig")
