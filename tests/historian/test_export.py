"""Exports re-parsed and compared with what was written, on both backends."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

import pytest
from history_data import T0_HOUR, Clock, expected_buckets, sample_rows, store
from openpyxl import load_workbook

from historian import export
from historian.export import AGG_HEADERS, RAW_HEADERS, PointMeta, bucket_lines, raw_lines, write_csv, write_xlsx
from historian.rows import US
from tags.quality import quality_name

META = {"E01.T1.LT": PointMeta("110105001-LT-101", "1#储罐液位", "m"), "E01.T2.LT": PointMeta("110105001-LT-102", "2#储罐液位", "m")}


def _meta(tag: str) -> PointMeta:
    return META[tag]


@pytest.fixture
def filled(make_historian):
    t0 = T0_HOUR() - 2 * 3600
    h = make_historian(Clock(t0 + 2 * 3600))
    rows = sample_rows("E01.T1.LT", t0, 1200) + sample_rows("E01.T2.LT", t0, 1200, phase=2.0)
    store(h, rows)
    return h, rows, t0


def test_raw_csv_round_trip(filled) -> None:
    h, rows, t0 = filled
    out = io.StringIO(newline="")
    assert write_csv(RAW_HEADERS["en"], raw_lines(h.raw(list(META), t0, t0 + 1200), _meta), out) == len(rows)
    parsed = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(parsed) == len(rows)
    for line, row in zip(parsed, rows, strict=True):
        assert (line["tag"], line["point_code"], line["name"], line["unit"]) == (row.tag, *META[row.tag])
        assert datetime.fromisoformat(line["source_time"]).timestamp() == row.t / US
        assert line["source_time"].endswith("+08:00")
        assert round(datetime.fromisoformat(line["server_time"]).timestamp() * US) == row.server_t
        assert float(line["value"]) == row.value
        assert (line["quality"], int(line["quality_code"])) == (quality_name(row.quality), row.quality)


def test_aggregated_xlsx_round_trip(filled, tmp_path: Path) -> None:
    h, rows, t0 = filled
    path = tmp_path / "trend.xlsx"
    count = write_xlsx(AGG_HEADERS["zh"], bucket_lines(h.aggregate(list(META), t0, t0 + 1200, interval_s=60), _meta), path)
    want = expected_buckets(rows, 60)
    assert count == len(want) == 40
    sheet = load_workbook(path, read_only=True).active
    lines = list(sheet.iter_rows(values_only=True))
    assert list(lines[0]) == AGG_HEADERS["zh"]
    for line, b in zip(lines[1:], want, strict=True):
        assert line[1] == b.tag and line[4] == export.local_time(b.t)
        assert line[5] == pytest.approx(b.mean) and line[6:] == (b.min, b.max, b.last, b.count)


def test_xlsx_opens_a_new_sheet_at_the_excel_row_limit(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(export, "XLSX_MAX_ROWS", 4)  # header + 3 rows per sheet
    path = tmp_path / "split.xlsx"
    assert write_xlsx(["a"], ([i] for i in range(7)), path) == 7
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["history", "history-2", "history-3"]
    assert [[c for (c,) in book[name].iter_rows(values_only=True)] for name in book.sheetnames] == [
        ["a", 0, 1, 2],
        ["a", 3, 4, 5],
        ["a", 6],
    ]
