"""Spreadsheet round trip through the API: export → edit → import, every kind of error with its cell
reference, then a clean sheet shown as a diff and applied through the district's review."""

from __future__ import annotations

import io

import pytest
from engineering_rig import Eng
from openpyxl import load_workbook

from engineering.sheets import COLUMNS, column_letter, export_csv, import_sheet, select_points

COL = {c: column_letter(i) for i, c in enumerate(COLUMNS)}


def exported(eng: Eng) -> bytes:
    r = eng.client("eng-e01").get("/api/v1/engineering/export?e=E01&hs=E01-HS1&format=xlsx")
    assert r.status_code == 200 and "E01-E01-HS1-points.xlsx" in r.headers["Content-Disposition"]
    return r.data


def edited(data: bytes, cells: dict[str, object]) -> bytes:
    wb = load_workbook(io.BytesIO(data))
    ws = wb.active
    for ref, value in cells.items():
        ws[ref] = value
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(eng: Eng, data: bytes, name: str = "points.xlsx", reason: str = ""):  # type: ignore[no-untyped-def]
    return eng.client("eng-e01").post(
        "/api/v1/engineering/import", data={"file": (io.BytesIO(data), name), "reason": reason}, content_type="multipart/form-data"
    )


def row_of(data: bytes, tag: str) -> int:
    ws = load_workbook(io.BytesIO(data)).active
    return next(i for i, (t,) in enumerate(ws.iter_rows(min_col=1, max_col=1, values_only=True), start=1) if t == tag)


def test_round_trip_unchanged_sheet_changes_nothing(eng: Eng) -> None:
    data = exported(eng)
    r = upload(eng, data).get_json()
    assert r["errors"] == [] and r["ops"] == [] and r["rows"] == 78
    refs = select_points(eng.sup.plant, "E01", "E01-HS1")
    assert import_sheet(eng.sup.plant, "points.csv", export_csv(refs)).ops == []


def test_every_kind_of_error_names_its_cell(eng: Eng) -> None:
    data = exported(eng)
    n = row_of(data, "E01.T101.GT1")  # range 0–100 %LEL
    m = row_of(data, "E01.T102.LT")
    cells = {
        f"{COL['high']}{n}": 96.0,  # high above high_high
        f"{COL['high_high']}{n}": 95.0,
        f"{COL['deadband']}{m}": "abc",  # not a number
        f"{COL['on_delay_s']}{m + 1}": -1,  # negative delay
        f"{COL['range_low']}{m + 2}": 50,  # range low above range high
        f"{COL['range_high']}{m + 2}": 10,
        f"{COL['kind']}{m + 3}": "viscosity",  # unknown kind
        f"{COL['scan_class']}{m + 4}": "turbo",  # unknown scan class
        f"{COL['out_of_range_quality']}{m + 5}": "good",  # unknown quality
        f"{COL['name']}{m + 6}": None,  # required
        f"{COL['tag']}{m + 7}": "E01.NOPE.LT",  # unknown point
        f"{COL['tag']}{m + 8}": "E01.T101.LT",  # repeated row
        f"{COL['high_high']}{m + 9}": 500.0,  # outside the instrument range
    }
    r = upload(eng, edited(data, cells))
    assert r.status_code == 422
    errors = r.get_json()["errors"]
    assert f"points.xlsx!F{n}: high 96.0 must be below high_high 95.0" in errors
    expected = [
        f"points.xlsx!{COL['deadband']}{m}: deadband 'abc' is not a number",
        f"points.xlsx!{COL['on_delay_s']}{m + 1}: on_delay_s -1.0 must not be negative",
        f"points.xlsx!{COL['range_high']}{m + 2}: range high 10.0 must be above range low 50.0",
        f"points.xlsx!{COL['kind']}{m + 3}: kind 'viscosity' is not one of",
        f"points.xlsx!{COL['scan_class']}{m + 4}: scan class 'turbo' is not defined in site.yaml",
        f"points.xlsx!{COL['out_of_range_quality']}{m + 5}: out_of_range_quality must be uncertain or bad, not 'good'",
        f"points.xlsx!{COL['name']}{m + 6}: name is required",
        f"points.xlsx!A{m + 7}: unknown point 'E01.NOPE.LT'",
        f"points.xlsx!A{m + 8}: E01.T101.LT repeats row {row_of(data, 'E01.T101.LT')}",
        f"points.xlsx!{COL['high_high']}{m + 9}: high_high 500.0 is outside the instrument range",
    ]
    for e in expected:
        assert any(line.startswith(e) for line in errors), (e, errors)
    assert len(errors) == 1 + len(expected)


@pytest.mark.parametrize("header", ["colour", None])
def test_header_errors(eng: Eng, header: str | None) -> None:
    data = exported(eng)
    if header:
        r = upload(eng, edited(data, {"V1": header}))
        assert "points.xlsx!V1: unknown column 'colour'" in r.get_json()["errors"][0]
    else:
        r = upload(eng, edited(data, {"G1": None}))
        assert r.get_json()["errors"] == ["points.xlsx!U1: missing column 'high_high'"]


def test_clean_sheet_is_a_reviewed_change(eng: Eng) -> None:
    data = exported(eng)
    n = row_of(data, "E01.T101.LT")
    csv_text = export_csv(select_points(eng.sup.plant, "E01", "E01-HS1")).decode("utf-8-sig")
    csv_text = csv_text.replace("E01.T101.TT,介质温度,°C,,,40.0,50.0", "E01.T101.TT,介质温度,°C,,,41.0,48.0")
    r = upload(eng, csv_text.encode(), "points.csv").get_json()
    assert r["changes"] == [
        {"tag": "E01.T101.TT", "field": "thresholds.high", "old": 40.0, "new": 41.0},
        {"tag": "E01.T101.TT", "field": "thresholds.high_high", "old": 50.0, "new": 48.0},
    ]
    r = upload(eng, edited(data, {f"G{n}": 18.0, f"I{n}": 3}), reason="年度校验表").get_json()
    assert "overrides: {LT: {thresholds: {high_high: 18.0}, on_delay_s: 3.0}}" in r["diff"]
    change = r["change"]
    assert change["kind"] == "sheet" and change["status"] == "pending"
    assert eng.sup.plant.point_by_tag["E01.T101.LT"].point.thresholds.high_high == 17.5
    ok = eng.client("eng-fs").post(f"/api/v1/engineering/changes/{change['id']}/approve", json={"note": "ok"})
    assert ok.get_json()["status"] == "applied"
    p = eng.sup.plant.point_by_tag["E01.T101.LT"].point
    assert (p.thresholds.high_high, p.on_delay_s) == (18.0, 3.0)
