"""L3 mimic diagrams 工艺画面, generated from the plant model — no drawing per site.

A hazard source becomes a header pipe with a drop to each equipment; vessels show their level
as an animated fill with the alarm limits marked; every point is a live value with its unit,
quality (uncertain greyed, bad hatched) and an alarm indicator (priority shape + colour); a point
out of service (approved 停用报备) shows its value box dashed and labelled 停用; gas detectors stand
on the dike line of a tank farm (or around a unit). Clicking a point opens its faceplate: limits,
range, quality, service state, alarm state and the last hour's trend.
"""

from __future__ import annotations

from typing import Any

from dash import Input, Output, dcc, html

from hmi.i18n import tr
from hmi.live import Snapshot
from hmi.markup import BR, Html, Markup, el
from hmi.registry import Page
from hmi.views import alarms_payload, figure, fmt_value, point_class, values_payload
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


def _point(tag: str, label: str, cls: str = "pt") -> Html:
    return el(
        "div",
        {"class": cls, "id": f"pt-{tag.replace('.', '-')}", "title": tag, "data-point": tag},
        el("span", {"class": "alm", "data-alm": tag}),
        el("span", {"class": "ptag"}, label),
        el("span", {"class": "pv q-bad", "data-tag": tag, "data-f": "pv", "data-oos": tr("oos")}, "…"),
    )


def _level_point(refs: dict[str, PointRef], ent: str, eq: Equipment) -> PointRef | None:
    for p in eq.points:
        if p.kind == "level":
            return refs.get(tag_name(ent, eq.code, p.key))
    return None


def _vessel(refs: dict[str, PointRef], ent: str, eq: Equipment) -> Html:
    level = _level_point(refs, ent, eq)
    inner: list[Html] = []
    if level is not None:
        lo, hi = level.point.range
        inner.append(el("div", {"class": "lvl q-bad", "style": "height:0%", "data-tag": level.tag, "data-f": "lvl"}))
        for lim in LIMITS:
            x = getattr(level.point.thresholds, lim)
            if x is not None and hi > lo:
                pct = max(0.0, min(100.0, (x - lo) / (hi - lo) * 100))
                inner.append(el("div", {"class": f"mark m-{lim}", "style": f"bottom:{pct:.1f}%"}, LIMIT_LABEL[lim]))
    inner.append(el("div", {"class": "vlabel"}, el("b", None, eq.code), BR, eq.name))
    return el("div", {"class": f"vessel {VESSEL_CLASS.get(eq.kind, 'v-tank')}"}, *inner)


def _unit(refs: dict[str, PointRef], ent: str, eq: Equipment) -> Html:
    pts = [_point(tag_name(ent, eq.code, p.key), f"{p.tag}") for p in eq.points]
    return el("div", {"class": "unit"}, el("div", {"class": "pipe-v"}), _vessel(refs, ent, eq), el("div", {"class": "pts"}, *pts))


def drawing(plant: Plant, ent: str, hs: HazardSource) -> Any:
    """The hazard source's drawing: markup, one component (hmi.markup) — live values find its ``data-*`` attributes."""
    refs = plant.point_by_tag
    units = [_unit(refs, ent, eq) for eq in hs.equipment if eq.kind not in ("detector_set", "pipeline")]
    detectors = [
        _point(tag_name(ent, eq.code, p.key), p.tag, "pt det")
        for eq in hs.equipment
        if eq.kind in ("detector_set", "pipeline")
        for p in eq.points
    ]
    area = "dike" if hs.kind == "tank_farm" else "area"
    return Markup(
        Html(
            el("div", {"class": "pipe-h"}, el("span", {"class": "pipe-label"}, "进出料总管 header"))
            + el("div", {"class": area}, el("div", {"class": "units"}, *units), el("div", {"class": "detectors"}, *detectors))
        ),
        id="mimic",
        className="mimic",
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


def trend_figure(hmi: Any, tag: str, unit: str) -> dict[str, Any]:
    traces = []
    historian = hmi.services.historian
    if historian is not None:
        now = hmi.services.clock()
        buckets = list(historian.aggregate([tag], now - 3600, now, max_points=120))
        x, y = [b.t / 1e6 * 1000 for b in buckets], [b.mean for b in buckets]
        traces.append({"type": "scatter", "x": x, "y": y, "mode": "lines", "line": {"color": "#333"}})
    layout = {"height": 180, "margin": {"l": 40, "r": 10, "t": 10, "b": 30}, "xaxis": {"type": "date"}, "yaxis": {"title": {"text": unit}}}
    return figure(traces, layout)


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
    declaration = snap.out_of_service.get(tag)  # "decl:<id>" while an approved declaration runs
    oos = f"{tr('oos')} · {tr('oos.declared')} {declaration}"
    service = [html.Tr([html.Th(tr("fp.service")), html.Td(oos, id="fp-oos")])] if declaration else []
    return html.Div(
        [
            html.Button("×", className="fp-close", title=tr("fp.close")),
            html.H3([p.name, " ", html.Small(p.tag)]),
            html.Div(tag, className="fp-tag"),
            html.Div(
                html.Span(
                    fmt_value(v, p.unit),
                    className=f"pv {point_class(snap, tag, v)} big",
                    **{"data-tag": tag, "data-f": "pv", "data-oos": tr("oos")},
                ),
                className="fp-value",
            ),
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
                    *service,
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

    @hmi.callbacks.data(
        Output("faceplate", "children"), [Input("fp-tag", "data")], probes=[{"fp-tag.data": "{TAG}"}], prevent_initial_call=True
    )
    def show(user: Any, tag: str | None) -> Any:
        return faceplate(hmi, user, tag)
