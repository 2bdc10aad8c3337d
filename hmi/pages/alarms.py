"""Alarm summary 报警汇总: active alarms sorted by priority and time, filters, acknowledge with note,
shelve with reason and duration, bulk acknowledge. An alarm of a point out of service (approved 停用报备)
shows that state with its declaration, greyed. The table component is reused on the enterprise page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dash import Input, Output, State, dash_table, dcc, html

from historian.export import BEIJING
from hmi.i18n import tr
from hmi.registry import Page
from rules.errors import AlarmError
from rules.state import ISA_STATES

COLUMNS = ("since", "enterprise", "source", "priority", "state", "message")


def local(t: float) -> str:
    return datetime.fromtimestamp(t, BEIJING).strftime("%m-%d %H:%M:%S")


def state_text(a: Any) -> str:
    """The ISA-18.2 state; out of service also names its declaration (停用报备 decl:<id>)."""
    declaration = a.state.out_of_service
    return f"{a.isa} · {tr('oos.declared')} {declaration}" if declaration else a.isa


def rows(hmi: Any, user: Any, enterprise: str | None, priority: str | None, state: str | None) -> list[dict[str, Any]]:
    scope = user.scope
    if enterprise and not scope.has(enterprise):
        return []
    out = []
    for a in hmi.services.snapshot().alarms:
        ent = a.alarm.enterprise
        if not scope.has(ent) or (enterprise and ent != enterprise) or (priority and a.priority != priority) or (state and a.isa != state):
            continue
        out.append(
            {
                "id": a.alarm_id,
                "since": local(a.since),
                "enterprise": ent,
                "source": a.alarm.source,
                "priority": a.priority,
                "state": state_text(a),
                "message": a.message,
            }
        )
    return out


def alarm_table(hmi: Any, user: Any, enterprise: str | None = None) -> Any:
    """Filters + table + actions; ``enterprise`` fixes the enterprise filter (enterprise page)."""
    ents = user.scope.sorted()
    prio_opts = [{"label": tr(f"prio.{n}"), "value": n} for n, _c, _l in hmi.services.priorities()]
    filters = html.Div(
        [
            dcc.Dropdown(
                ents, enterprise, id="al-ent", placeholder=tr("al.filter.enterprise"), disabled=enterprise is not None, className="dd"
            ),
            dcc.Dropdown(prio_opts, None, id="al-prio", placeholder=tr("al.filter.priority"), className="dd"),
            dcc.Dropdown(list(ISA_STATES), None, id="al-state", placeholder=tr("al.filter.state"), className="dd"),
        ],
        className="filters",
    )
    cond = [
        {"if": {"filter_query": f"{{priority}} = {n}", "column_id": "priority"}, "backgroundColor": f"var(--{c})", "color": "#000"}
        for n, c, _l in hmi.services.priorities()
    ]
    cond.append({"if": {"filter_query": "{state} = unacknowledged"}, "fontWeight": "bold"})
    cond.append(
        {"if": {"filter_query": '{state} contains "out_of_service"'}, "fontStyle": "italic", "color": "#555", "backgroundColor": "#d0d0d0"}
    )
    table = dash_table.DataTable(
        id="al-table",
        columns=[{"name": c, "id": c} for c in COLUMNS],
        data=rows(hmi, user, enterprise, None, None),
        row_selectable="multi",
        selected_row_ids=[],
        page_size=50,
        style_data_conditional=cond,
        style_cell={"textAlign": "left", "fontFamily": "inherit", "fontSize": "13px", "backgroundColor": "#e6e6e6"},
        style_header={"backgroundColor": "#c8c8c8", "fontWeight": "bold"},
    )
    actions = html.Div(
        [
            dcc.Input(id="al-note", placeholder=tr("al.note"), className="note"),
            html.Button(tr("al.ack"), id="al-ack"),
            html.Span(id="al-ack-msg", className="msg"),
            dcc.Input(id="al-reason", placeholder=tr("al.reason"), className="note"),
            dcc.Input(id="al-minutes", type="number", value=60, min=1, max=480, className="num", placeholder=tr("al.duration")),
            html.Button(tr("al.shelve"), id="al-shelve"),
            html.Span(id="al-shelve-msg", className="msg"),
        ],
        className="actions",
    )
    return html.Div([filters, actions, table], className="alarm-summary")


def _act(hmi: Any, user: Any, ids: list[str] | None, permission: str, action: str, **kwargs: Any) -> str:
    if not ids:
        return tr("al.none")
    if not user.can(permission):
        return tr("al.denied")
    known = {a.alarm_id: a for a in hmi.services.snapshot().alarms}
    done, errors = 0, []
    for alarm_id in ids:
        a = known.get(alarm_id)
        if a is None or not user.scope.has(a.alarm.enterprise):
            errors.append(f"{tr('forbidden')}")  # never confirm that another enterprise's alarm exists
            continue
        try:
            hmi.services.alarm_action(user.account.username, action, alarm_id, **kwargs)
            done += 1
        except AlarmError as exc:
            errors.append(f"{alarm_id}: {exc}")
    return f"{tr('al.done')}: {done}" + ("; " + "; ".join(sorted(set(errors))) if errors else "")


def register(hmi: Any) -> None:
    def layout(user: Any, params: dict[str, str]) -> Any:
        ent = params.get("e")
        if ent:
            user.scope.require(ent)
        return html.Div([html.H2(tr("al.title")), alarm_table(hmi, user, ent)])

    hmi.pages.add(Page("/alarms", "nav.alarms", layout, order=20))
    cb = hmi.callbacks

    @cb.data(
        Output("al-table", "data"),
        [Input("tick", "n_intervals"), Input("al-ent", "value"), Input("al-prio", "value"), Input("al-state", "value")],
        probes=[{"al-ent.value": "{E}"}, {"al-ent.value": None}],
        prevent_initial_call=True,  # the table comes with its rows (alarm_table); the timer refreshes them
    )
    def table(user: Any, _n: int | None, ent: str | None, prio: str | None, state: str | None) -> list[dict[str, Any]]:
        return rows(hmi, user, ent, prio, state)

    @cb.data(
        Output("al-ack-msg", "children"),
        [Input("al-ack", "n_clicks")],
        [State("al-table", "selected_row_ids"), State("al-note", "value")],
        probes=[{"al-ack.n_clicks": 1, "al-table.selected_row_ids": ["{ALARM}"], "al-note.value": "probe"}],
        prevent_initial_call=True,
    )
    def ack(user: Any, _n: int | None, ids: list[str] | None, note: str | None) -> str:
        return _act(hmi, user, ids, "alarm.ack", "acknowledge", note=note or "")

    @cb.data(
        Output("al-shelve-msg", "children"),
        [Input("al-shelve", "n_clicks")],
        [State("al-table", "selected_row_ids"), State("al-reason", "value"), State("al-minutes", "value")],
        probes=[{"al-shelve.n_clicks": 1, "al-table.selected_row_ids": ["{ALARM}"], "al-reason.value": "probe", "al-minutes.value": 5}],
        prevent_initial_call=True,
    )
    def shelve(user: Any, _n: int | None, ids: list[str] | None, reason: str | None, minutes: float | None) -> str:
        return _act(hmi, user, ids, "alarm.shelve", "shelve", reason=reason or "", duration_s=float(minutes or 60) * 60)
