"""L1 overview 总览: the user's scope at a glance — enterprises by warning level on a district/park
layout, counts per level, active alarms per priority, gateways offline, commitments missing today.
The levels are the warning workflow's (``risk``: each enterprise's current level); an HMI without it
colours by the worst active alarm priority and says so."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from hmi.i18n import tr
from hmi.live import Snapshot
from hmi.registry import Page
from hmi.views import PRIORITY_SHAPE, out_of_service_counts, out_of_service_text

LEVELS = ("red", "orange", "yellow", "blue")


def _tile(code: str, name: str) -> Any:
    link = dcc.Link(
        [
            html.Div(name, className="tile-name"),
            html.Div(code, className="tile-code"),
            html.Div("", className="tile-alarms", **{"data-key": f"entc-{code}"}),
            html.Div("", className="tile-gw", **{"data-key": f"entg-{code}"}),
            html.Div("", className="hidden", **{"data-key": f"ento-{code}"}),
        ],
        href=f"/enterprise?e={code}",
        id=f"tile-{code}",
    )
    return html.Div(link, className="tile", **{"data-key": f"ent-{code}"})


def layout(hmi: Any, user: Any, _params: dict[str, str]) -> Any:
    plant = hmi.services.plant
    allowed = user.scope.enterprises
    ents = [f.enterprise for f in plant.enterprises if f.enterprise.code in allowed]
    groups = []
    for d in plant.site.districts:
        in_d = [e for e in ents if e.district == d.code]
        if not in_d:
            continue
        parks = []
        for p in plant.site.parks:
            in_p = [e for e in in_d if e.park == p.code]
            if in_p:
                parks.append(
                    html.Div([html.H4(p.name), html.Div([_tile(e.code, e.name) for e in in_p], className="tiles")], className="park")
                )
        loose = [e for e in in_d if not e.park]
        groups.append(
            html.Section(
                [html.H3(d.name), *parks, html.Div([_tile(e.code, e.name) for e in loose], className="tiles")], className="district"
            )
        )
    level_counts = [
        html.Div([html.Span(tr(f"wl.{lv}")), html.B("0", **{"data-key": f"wl-{lv}"})], className=f"kpi wl-{lv}") for lv in LEVELS
    ]
    prio = [
        html.Div(
            [html.Span(f"{PRIORITY_SHAPE.get(name, '')} {tr(f'prio.{name}')}"), html.B("0", **{"data-key": f"ap-{name}"})],
            className=f"kpi p-{name}",
        )
        for name, _c, _l in hmi.services.priorities()
    ]
    return html.Div(
        [
            html.Div(
                [
                    html.Div([html.H4(tr("ov.enterprises")), html.Div(level_counts, className="kpis")], className="box"),
                    html.Div([html.H4(tr("ov.alarms")), html.Div(prio, className="kpis")], className="box"),
                    html.Div([html.H4(tr("ov.gateways")), html.B("0", id="gw-off", **{"data-key": "gw-off"})], className="box"),
                    html.Div(
                        [html.H4(tr("ov.commitments")), html.B(tr("ov.na"), id="cm-miss", **{"data-key": "cm-miss"})], className="box"
                    ),
                ],
                className="summary",
            ),
            None if hmi.services.levels_connected else html.P(tr("ov.interim"), className="hint", id="ov-interim"),
            html.Div(groups, className="map"),
        ],
        id="overview",
    )


def live(hmi: Any, user: Any, _params: dict[str, str], snap: Snapshot) -> dict[str, Any]:
    allowed = user.scope.enterprises
    levels = hmi.services.warning_levels(snap)
    keys: dict[str, list[Any]] = {}
    level_counts = dict.fromkeys(LEVELS, 0)
    prio_counts: dict[str, int] = {name: 0 for name, _c, _l in hmi.services.priorities()}
    gw_off = 0
    oos = out_of_service_counts(snap, hmi.services.plant, lambda ref: ref.enterprise.code)
    for ent, s in snap.enterprises.items():
        if ent not in allowed:
            continue
        level = levels.get(ent)
        if level in level_counts:
            level_counts[level] += 1
        for p, n in s.alarms.items():
            prio_counts[p] = prio_counts.get(p, 0) + n
        gw_off += s.gateway_online is False
        total = sum(s.alarms.values())
        keys[f"ent-{ent}"] = [None, f"tile wl-{level or 'none'}" + (" unack" if s.unacked else "")]
        keys[f"entc-{ent}"] = [f"{total} ⚠" if total else "", None]
        gw = {True: "", False: tr("ent.offline"), None: tr("ent.unknown")}[s.gateway_online]
        keys[f"entg-{ent}"] = [gw, None]
        keys[f"ento-{ent}"] = out_of_service_text(oos.get(ent, 0))
    for lv, n in level_counts.items():
        keys[f"wl-{lv}"] = [str(n), None]
    for p, n in prio_counts.items():
        keys[f"ap-{p}"] = [str(n), None]
    keys["gw-off"] = [str(gw_off), "alert" if gw_off else None]
    missing = hmi.services.providers.commitments_missing
    if missing is not None:
        keys["cm-miss"] = [str(len(missing() & allowed)), None]
    return {"k": keys}


def register(hmi: Any) -> None:
    hmi.pages.add(Page("/", "nav.overview", lambda u, p: layout(hmi, u, p), order=10, live=lambda u, p, s: live(hmi, u, p, s)))
