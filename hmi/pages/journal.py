"""Alarm journal 报警日志: search by enterprise, point, priority, state and window; export CSV/xlsx.
The enterprises searched are always intersected with the user's scope."""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dash import Input, Output, State, dash_table, dcc, html

from hmi.i18n import tr
from hmi.registry import Page
from rules import export as journal_export
from rules.state import ISA_STATES

SHOWN = ("at", "enterprise", "source", "transition", "state", "priority", "message", "user", "note")
LIMIT = 2000
HOURS = 24  # the default window


def search(
    hmi: Any, user: Any, enterprise: str | None, source: str | None, priority: str | None, state: str | None, hours: float | None
) -> list[dict[str, Any]]:
    scope = user.scope
    if enterprise and not scope.has(enterprise):
        return []
    journal = hmi.services.alarms.journal
    if journal is None:
        return []
    end = datetime.fromtimestamp(hmi.services.clock(), UTC)
    start = end - timedelta(hours=float(hours or 24))
    ents = [enterprise] if enterprise else scope.sorted()
    return journal.query(start, end + timedelta(seconds=1), source or None, ents, priority or None, state or None, limit=LIMIT)


def _cell(v: Any) -> Any:
    return v.isoformat(timespec="seconds") if isinstance(v, datetime) else v if isinstance(v, str | int | float | type(None)) else str(v)


def rows(
    hmi: Any, user: Any, ent: str | None, source: str | None, prio: str | None, state: str | None, hours: float | None
) -> list[dict[str, Any]]:
    """The table's rows, newest first."""
    return [{c: _cell(r.get(c)) for c in SHOWN} for r in reversed(search(hmi, user, ent, source, prio, state, hours))]


def layout(hmi: Any, user: Any, _params: dict[str, str]) -> Any:
    prio = [{"label": tr(f"prio.{n}"), "value": n} for n, _c, _l in hmi.services.priorities()]
    return html.Div(
        [
            html.H2(tr("jr.title")),
            html.Div(
                [
                    dcc.Dropdown(user.scope.sorted(), None, id="jr-ent", placeholder=tr("al.filter.enterprise"), className="dd"),
                    dcc.Input(id="jr-source", placeholder=tr("jr.source"), className="note"),
                    dcc.Dropdown(prio, None, id="jr-prio", placeholder=tr("al.filter.priority"), className="dd"),
                    dcc.Dropdown(list(ISA_STATES), None, id="jr-state", placeholder=tr("al.filter.state"), className="dd"),
                    html.Label([tr("jr.hours"), dcc.Input(id="jr-hours", type="number", value=HOURS, min=1, className="num")]),
                    html.Button(tr("jr.search"), id="jr-search"),
                    dcc.RadioItems(["csv", "xlsx"], "csv", id="jr-fmt", inline=True),
                    html.Button(tr("jr.export"), id="jr-export"),
                    dcc.Download(id="jr-download"),
                ],
                className="filters",
            ),
            dash_table.DataTable(
                id="jr-table",
                columns=[{"name": c, "id": c} for c in SHOWN],
                data=rows(hmi, user, None, None, None, None, HOURS),  # the last day's, with the page
                page_size=50,
                style_cell={"textAlign": "left", "fontSize": "13px", "backgroundColor": "#e6e6e6"},
                style_header={"backgroundColor": "#c8c8c8", "fontWeight": "bold"},
            ),
        ],
        id="journal",
    )


FILTERS = [
    State("jr-ent", "value"),
    State("jr-source", "value"),
    State("jr-prio", "value"),
    State("jr-state", "value"),
    State("jr-hours", "value"),
]
PROBES = [{"jr-ent.value": "{E}"}, {"jr-source.value": "{E}.*"}]


def register(hmi: Any) -> None:
    hmi.pages.add(Page("/journal", "nav.journal", lambda u, p: layout(hmi, u, p), order=30))
    cb = hmi.callbacks

    @cb.data(
        Output("jr-table", "data"),
        [Input("jr-search", "n_clicks")],
        FILTERS,
        probes=[{"jr-search.n_clicks": 1, **p} for p in PROBES],
        prevent_initial_call=True,  # the page comes with the last day's rows
    )
    def table(
        user: Any, _n: int | None, ent: str | None, source: str | None, prio: str | None, state: str | None, hours: float | None
    ) -> list[dict[str, Any]]:
        return rows(hmi, user, ent, source, prio, state, hours)

    @cb.data(
        Output("jr-download", "data"),
        [Input("jr-export", "n_clicks")],
        [*FILTERS, State("jr-fmt", "value")],
        probes=[{"jr-export.n_clicks": 1, "jr-fmt.value": "csv", **p} for p in PROBES],
        prevent_initial_call=True,
    )
    def export(
        user: Any,
        _n: int | None,
        ent: str | None,
        source: str | None,
        prio: str | None,
        state: str | None,
        hours: float | None,
        fmt: str | None,
    ) -> Any:
        rows = search(hmi, user, ent, source, prio, state, hours)
        if fmt == "xlsx":
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "journal.xlsx"
                journal_export.write(rows, path)
                return dcc.send_bytes(path.read_bytes(), "alarm-journal.xlsx")
        return dcc.send_bytes(journal_export.to_csv(rows).encode("utf-8-sig"), "alarm-journal.csv")
