"""Spreadsheet round trip: export the points of an enterprise, hazard source or equipment to xlsx or CSV
with every configurable column; import an edited sheet, checked row by row with cell references
(``points.xlsx!F17: high 96.0 must be below high_high 95.0``), turned into point edits (``edits``) that
go through the same review path as an edit on screen.

Rows are matched by ``tag``; a sheet changes existing points only (adding or removing points is a
configuration edit of the equipment). Identity columns after ``out_of_range_quality`` are for reading.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from engineering.edits import Op
from scada.config import Plant, PointRef
from scada.config.schema import POINT_KINDS

# Column order: the four limits sit at D–G (F = high), as engineers read them left to right.
COLUMNS = (
    "tag",
    "name",
    "unit",
    "low_low",
    "low",
    "high",
    "high_high",
    "deadband",
    "on_delay_s",
    "off_delay_s",
    "range_low",
    "range_high",
    "instrument",
    "kind",
    "scan_class",
    "gas",
    "out_of_range_quality",
    "enterprise",
    "hazard_source",
    "equipment",
)
READ_ONLY = ("enterprise", "hazard_source", "equipment")
LIMITS = ("low_low", "low", "high", "high_high")
NUMBERS = (*LIMITS, "deadband", "on_delay_s", "off_delay_s", "range_low", "range_high")
OPTIONAL = (*LIMITS, "gas")  # may be left empty
QUALITIES = ("uncertain", "bad")


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def select_points(plant: Plant, enterprise: str, hazard_source: str | None = None, equipment: str | None = None) -> list[PointRef]:
    return [
        p
        for p in plant.points
        if p.enterprise.code == enterprise
        and (hazard_source is None or p.hazard_source.code == hazard_source)
        and (equipment is None or p.equipment.code == equipment)
    ]


def row_of(ref: PointRef) -> dict[str, Any]:
    p, th = ref.point, ref.point.thresholds
    return {
        "tag": ref.tag,
        "name": p.name,
        "unit": p.unit,
        "low_low": th.low_low,
        "low": th.low,
        "high": th.high,
        "high_high": th.high_high,
        "deadband": p.deadband,
        "on_delay_s": p.on_delay_s,
        "off_delay_s": p.off_delay_s,
        "range_low": p.range[0],
        "range_high": p.range[1],
        "instrument": p.tag,
        "kind": p.kind,
        "scan_class": p.scan_class,
        "gas": p.gas,
        "out_of_range_quality": p.out_of_range_quality,
        "enterprise": ref.enterprise.code,
        "hazard_source": ref.hazard_source.code,
        "equipment": ref.equipment.code,
    }


def export_csv(refs: list[PointRef]) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for ref in refs:
        row = row_of(ref)
        w.writerow(["" if row[c] is None else row[c] for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # BOM: spreadsheet programs then read the Chinese names right


def export_xlsx(refs: list[PointRef]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "points"
    ws.append(list(COLUMNS))
    for ref in refs:
        row = row_of(ref)
        ws.append([row[c] for c in COLUMNS])
    ws.freeze_panes = "B2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


# -- import ---------------------------------------------------------------------------------------


@dataclass
class SheetResult:
    ops: list[Op] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # "points.xlsx!F17: …"
    changes: list[dict[str, Any]] = field(default_factory=list)  # tag, field, old, new
    rows: int = 0


def read_rows(name: str, data: bytes) -> list[list[Any]]:
    """The sheet's cells, header first; xlsx (first worksheet) or CSV by the file name."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        ws = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        return [list(r) for r in ws.iter_rows(values_only=True)]
    text = data.decode("utf-8-sig")
    return [list(r) for r in csv.reader(io.StringIO(text))]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _number(v: Any) -> float:
    if isinstance(v, bool):
        raise ValueError
    x = float(v.strip()) if isinstance(v, str) else float(v)
    if math.isnan(x) or math.isinf(x):
        raise ValueError
    return x


def _fmt(x: Any) -> str:
    return str(x)  # 96.0, as check-config prints numbers


class _Row:
    """One data row being checked: parsed values, and errors that name the cell."""

    def __init__(self, sheet: str, line: int, cols: dict[str, int], cells: list[Any], errors: list[str]) -> None:
        self.sheet, self.line, self.cols, self.cells, self.errors = sheet, line, cols, cells, errors

    def ref(self, column: str) -> str:
        return f"{self.sheet}!{column_letter(self.cols[column])}{self.line}"

    def error(self, column: str, message: str) -> None:
        self.errors.append(f"{self.ref(column)}: {message}")

    def raw(self, column: str) -> Any:
        i = self.cols[column]
        return self.cells[i] if i < len(self.cells) else None


def import_sheet(plant: Plant, name: str, data: bytes, scan_classes: set[str] | None = None) -> SheetResult:
    """Check every row; the point edits for the cells that differ from the configuration."""
    out = SheetResult()
    try:
        rows = read_rows(name, data)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        out.errors.append(f"{name}: cannot read the sheet ({type(exc).__name__}: {exc})")
        return out
    if not rows:
        out.errors.append(f"{name}!A1: the sheet is empty")
        return out
    header = [str(h).strip() if h is not None else "" for h in rows[0]]
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        if not h:
            continue
        if h not in COLUMNS:
            out.errors.append(f"{name}!{column_letter(i)}1: unknown column {h!r} (columns: {', '.join(COLUMNS)})")
        elif h in cols:
            out.errors.append(f"{name}!{column_letter(i)}1: column {h!r} repeats column {column_letter(cols[h])}")
        else:
            cols[h] = i
    missing = [c for c in COLUMNS if c not in cols and c not in READ_ONLY]
    for c in missing:
        out.errors.append(f"{name}!{column_letter(len(header))}1: missing column {c!r}")
    if out.errors:
        return out
    classes = scan_classes if scan_classes is not None else set(plant.site.scan_classes)
    seen: dict[str, int] = {}
    for n, cells in enumerate(rows[1:], start=2):
        if all(_blank(c) for c in cells):
            continue
        out.rows += 1
        _check_row(plant, _Row(name, n, cols, cells, out.errors), seen, classes, out)
    return out


def _check_row(plant: Plant, row: _Row, seen: dict[str, int], classes: set[str], out: SheetResult) -> None:
    tag = "" if _blank(row.raw("tag")) else str(row.raw("tag")).strip()
    ref = plant.point_by_tag.get(tag)
    if not tag:
        row.error("tag", "tag is empty")
        return
    if tag in seen:
        row.error("tag", f"{tag} repeats row {seen[tag]}")
        return
    seen[tag] = row.line
    if ref is None:
        row.error("tag", f"unknown point {tag!r}: a sheet changes existing points only")
        return
    before = len(row.errors)
    values: dict[str, Any] = {}
    for c in NUMBERS:
        v = row.raw(c)
        if _blank(v):
            if c not in OPTIONAL:
                row.error(c, f"{c} is required")
            values[c] = None
            continue
        try:
            values[c] = _number(v)
        except (TypeError, ValueError):
            row.error(c, f"{c} {v!r} is not a number")
    for c in ("name", "unit", "instrument", "kind", "scan_class", "gas", "out_of_range_quality"):
        v = row.raw(c)
        values[c] = None if _blank(v) else str(v).strip()
        if values[c] is None and c not in OPTIONAL and c != "unit":
            row.error(c, f"{c} is required")
    values["unit"] = values["unit"] or ""
    if values["kind"] and values["kind"] not in POINT_KINDS:
        row.error("kind", f"kind {values['kind']!r} is not one of {', '.join(POINT_KINDS)}")
    if values["scan_class"] and values["scan_class"] not in classes:
        row.error("scan_class", f"scan class {values['scan_class']!r} is not defined in site.yaml ({', '.join(sorted(classes))})")
    if values["out_of_range_quality"] and values["out_of_range_quality"] not in QUALITIES:
        row.error("out_of_range_quality", f"out_of_range_quality must be uncertain or bad, not {values['out_of_range_quality']!r}")
    if len(row.errors) > before:
        return
    for c in ("deadband", "on_delay_s", "off_delay_s"):
        if values[c] < 0:
            row.error(c, f"{c} {_fmt(values[c])} must not be negative")
    lo, hi = values["range_low"], values["range_high"]
    if lo >= hi:
        row.error("range_high", f"range high {_fmt(hi)} must be above range low {_fmt(lo)}")
    present = [(c, values[c]) for c in LIMITS if values[c] is not None]
    for (a, va), (b, vb) in pairwise(present):
        if va >= vb:
            row.error(a, f"{a} {_fmt(va)} must be below {b} {_fmt(vb)}")
    for c, v in present:
        if lo < hi and not lo <= v <= hi:
            row.error(c, f"{c} {_fmt(v)} is outside the instrument range [{_fmt(lo)}, {_fmt(hi)}]")
    if len(row.errors) > before:
        return
    _changes(ref, values, out)


def _changes(ref: PointRef, values: dict[str, Any], out: SheetResult) -> None:
    current = row_of(ref)
    edits: dict[str, Any] = {}
    for c in LIMITS:
        if values[c] != current[c]:
            edits[f"thresholds.{c}"] = values[c]
    for c in ("deadband", "on_delay_s", "off_delay_s", "name", "unit", "instrument", "kind", "scan_class", "gas", "out_of_range_quality"):
        if values[c] != current[c]:
            edits[c] = values[c]
    if (values["range_low"], values["range_high"]) != (current["range_low"], current["range_high"]):
        edits["range"] = [values["range_low"], values["range_high"]]
    if not edits:
        return
    out.ops.append({"op": "point", "tag": ref.tag, "set": edits})
    for f, new in edits.items():
        old = [current["range_low"], current["range_high"]] if f == "range" else current[f.removeprefix("thresholds.")]
        out.changes.append({"tag": ref.tag, "field": f, "old": old, "new": new})
