"""L3 mimic diagrams 工艺画面, generated from the plant model — no drawing per site.

A hazard source becomes a header pipe with a drop to each equipment; vessels show their level
as an animated fill with the alarm limits marked; every point is a live value with its unit,
quality (uncertain greyed, bad hatched) and an alarm indicator (priority shape + colour); gas
detectors stand on the dike line of a tank farm (or around a unit). Clicking a point opens its
faceplate: limits, range, quality, alarm state and the last hour's trend.
"""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go
from dash import Input, Output, dcc, html

from hmi.i18n import tr
from hmi.live import Snapshot
from hmi.registry import Page
from hmi.views import alarms_payload, fmt_value, values_payload
from scada.config import Plant
from scada.config.plant import PointRef, tag_name
from scada.config.schema import Equipment, HazardSource
from tags.quality import quality_name

VESSEL_CLASS = {
    "tank": "v-tank",
    "spherical_tank": "v-sphere",
    "column": "v-column",
    "reactor": "v-reactor",
    "vessel": "v-tank",
    "storage_zone": "v-zone",
    "pump": "v-pump",
    "compressor": "v-pump",
}
LIMITS = ("low_low", "low", "high", "high_high")
LIMIT_LABEL = {"low_low": "LL", "low": "L", "high": "H", "high_high": "HH"}


def find_source(plant: Plant, code: str) -> tuple[str, HazardSource] | None:
    for ent, hs in plant.hazard_sources:
        if hs.code == code:
            return ent.code, hs
    return None


def _point(tag: str, label: str, cls: str = "pt") -> Any:
    return html.Div(
        [
            html.Span("", className="alm", **{"data-alm": tag}),
            html.Span(label, className="ptag"),
            html.Span("…", className="pv q-bad", **{"data-tag": tag, "data-f": "pv"}),
        ],
        className=cls,
        id=f"pt-{tag.replace('.', '-')}",
        title=tag,
        **{"data-point": tag},
    )


def _level_point(refs: dict[str, PointRef], ent: str, eq: Equipment) -> PointRef | None:
    for p in eq.points:
        if p.kind == "level":
            return refs.get(tag_name(ent, eq.code, p.key))
    return None


def _vessel(refs: dict[str, PointRef], ent: str, eq: Equipment) -> Any:
    level = _level_point(refs, ent, eq)
    inner: list[Any] = []
    if level is not None:
        lo, hi = level.point.range
        inner.append(html.Div("", className="lvl q-bad", style={"height": "0%"}, **{"data-tag": level.tag, "data-f": "lvl"}))
        for lim in LIMITS:
            x = getattr(level.point.thresholds, lim)
            if x is not None and hi > lo:
                pct = max(0.0, min(100.0, (x - lo) / (hi - lo) * 100))
                inner.append(html.Div(LIMIT_LABEL[lim], className=f"mark m-{lim}", style={"bottom": f"{pct:.1f}%"}))
    inner.append(html.Div([html.B(eq.code), html.Br(), eq.name], className="vlabel"))
    return html.Div(inner, className=f"vessel {VESSEL_CLASS.get(eq.kind, 'v-tank')}")


def _unit(refs: dict[str, PointRef], ent: str, eq: Equipment) -> Any:
    pts = [_point(tag_name(ent, eq.code, p.key), f"{p.tag}") for p in eq.points]
    return html.Div([html.Div(className="pipe-v"), _vessel(refs, ent, eq), html.Div(pts, className="pts")], className="unit")


def drawing(plant: Plant, ent: str, hs: HazardSource) -> Any:
    refs = plant.point_by_tag
    units = [_unit(refs, ent, eq) for eq in hs.equipment if eq.kind not in ("detector_set", "pipeline")]
    detectors = [
        _point(tag_name(ent, eq.code, p.key), p.tag, "pt det")
        for eq in hs.equipment
        if eq.kind in ("detector_set", "pipeline")
        for p in eq.points
    ]
    area = "dike" if hs.kind == "tank_farm" else "area"
    return html.Div(
        [
            html.Div([html.Span("进出料总管 header", className="pipe-label")], className="pipe-h"),
            html.Div([html.Div(units, className="units"), html.Div(detectors, className="detectors")], className=area),
        ],
        className="mimic",
        id="mimic",
    )


def layout(hmi: Any, user: Any, params: dict[str, str]) -> Any:
    plant = hmi.services.plant
    found = find_source(plant, params.get("hs", ""))
    if found is None:
        return html.Div(tr("notfound"), className="notice")
    ent, hs = found
    user.scope.require(ent)
    links = [
        dcc.Link(h.code, href=f"/mimic?hs={h.code}", className="tab" + (" on" if h.code == hs.code else ""))
        for h in plant.enterprise(ent).hazard_sources
    ]
    return html.Div(
        [
            html.H2(
                [dcc.Link(plant.enterprise(ent).enterprise.name, href=f"/enterprise?e={ent}"), " › ", hs.name, " ", html.Small(hs.code)]
            ),
            html.Div(links, className="tabs"),
            drawing(plant, ent, hs),
        ]
    )


def live(hmi: Any, user: Any, params: dict[str, str], snap: Snapshot) -> dict[str, Any]:
    plant = hmi.services.plant
    found = find_source(plant, params.get("hs", ""))
    if found is None:
        return {}
    ent, hs = found
    user.scope.require(ent)
    tags = [tag_name(ent, eq.code, p.key) for eq in hs.equipment for p in eq.points]
    return {"v": values_payload(snap, plant, tags), "a": alarms_payload(snap, tags)}


def trend_figure(hmi: Any, tag: str, unit: str) -> go.Figure:
    fig = go.Figure()
    historian = hmi.services.historian
    if historian is not None:
        now = hmi.services.clock()
        buckets = list(historian.aggregate([tag], now - 3600, now, max_points=120))
        fig.add_scatter(x=[b.t / 1e6 * 1000 for b in buckets], y=[b.mean for b in buckets], mode="lines", line={"color": "#333"})
    fig.update_layout(
        height=180,
        margin={"l": 40, "r": 10, "t": 10, "b": 30},
        paper_bgcolor="#e6e6e6",
        plot_bgcolor="#f2f2f2",
        xaxis={"type": "date"},
        yaxis={"title": unit},
    )
    return fig


def faceplate(hmi: Any, user: Any, tag: str | None) -> Any:
    if not tag or not user.scope.tag_allowed(tag):
        return None
    plant = hmi.services.plant
    ref = plant.point_by_tag.get(tag)
    snap = hmi.services.snapshot()
    v = snap.values.get(tag)
    if ref is None or v is None:
        return None
    p = ref.point
    th = p.thresholds
    alarms = [a for a in snap.alarms if a.alarm.source == tag]
    return html.Div(
        [
            html.Button("×", className="fp-close", title=tr("fp.close")),
            html.H3([p.name, " ", html.Small(p.tag)]),
            html.Div(tag, className="fp-tag"),
            html.Div(html.Span(fmt_value(v, p.unit), className="pv big", **{"data-tag": tag, "data-f": "pv"}), className="fp-value"),
            html.Table(
                [
                    html.Tr(
                        [
                            html.Th(tr("fp.limits")),
                            *[html.Td(f"{LIMIT_LABEL[k]} {getattr(th, k)}") for k in LIMITS if getattr(th, k) is not None],
                        ]
                    ),
                    html.Tr([html.Th(tr("fp.range")), html.Td(f"{p.range[0]} … {p.range[1]} {p.unit}")]),
                    html.Tr([html.Th(tr("fp.quality")), html.Td(quality_name(v.quality), id="fp-quality")]),
                ],
                className="grid",
            ),
            html.Ul([html.Li(f"{a.priority} · {a.isa} · {a.message}", className=f"p-{a.priority}") for a in alarms]),
            html.H4(tr("fp.trend")),
            dcc.Graph(figure=trend_figure(hmi, tag, p.unit), config={"displayModeBar": False}),
        ],
        id="faceplate-body",
    )


def register(hmi: Any) -> None:
    hmi.pages.add(Page("/mimic", "nav.overview", lambda u, p: layout(hmi, u, p), nav=False, live=lambda u, p, s: live(hmi, u, p, s)))

    @hmi.callbacks.data(Output("faceplate", "children"), [Input("fp-tag", "data")], probes=[{"fp-tag.data": "{TAG}"}])
    def show(user: Any, tag: str | None) -> Any:
        return faceplate(hmi, user, tag)
