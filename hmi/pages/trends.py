"""Trends 历史趋势: several points over a chosen range, pan/zoom, quality shading, automatic
aggregation for long ranges (the historian picks raw / 1 min / 1 h tiers), CSV/xlsx export of
exactly what is shown (the same points, range and resolution). Points out of service (approved 停用报备)
say so in the point picker and the legend."""

from __future__ import annotations

import io
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Any

from dash import Input, Output, State, dcc, html

from historian.export import AGG_HEADERS, BEIJING, RAW_HEADERS, PointMeta, bucket_lines, raw_lines, write_csv, write_xlsx
from historian.rows import US
from hmi.i18n import current_lang, tr
from hmi.registry import Page
from hmi.views import figure as plain_figure
from tags import is_good

RANGES = {"15m": 900, "1h": 3600, "8h": 8 * 3600, "24h": 86400, "7d": 7 * 86400, "30d": 30 * 86400}
RAW_MAX_S = 2 * 3600  # longer views are aggregated
MAX_POINTS = 600
MAX_TAGS = 8


def window(hmi: Any, range_key: str | None, relayout: dict[str, Any] | None) -> tuple[float, float]:
    """The shown window: the zoomed x-range when the user zoomed, else the chosen range up to now."""
    if relayout and "xaxis.range[0]" in relayout:
        try:
            a, b = (datetime.fromisoformat(str(relayout[f"xaxis.range[{i}]"])).replace(tzinfo=BEIJING).timestamp() for i in (0, 1))
            if a < b:
                return a, b
        except (ValueError, KeyError):
            pass  # a malformed zoom falls back to the chosen range
    end = hmi.services.clock()
    return end - RANGES.get(range_key or "1h", 3600), end


def _ms(t_us: int) -> str:
    """Beijing wall-clock time as the axis shows it (and as a zoom reports it back)."""
    return datetime.fromtimestamp(t_us / US, BEIJING).replace(tzinfo=None).isoformat(sep=" ", timespec="milliseconds")


def label(tag: str, oos: dict[str, str]) -> str:
    """A trace's legend entry: the tag, marked while the point is out of service."""
    return f"{tag} ({tr('oos')})" if tag in oos else tag


def figure(hmi: Any, tags: list[str], start: float, end: float) -> dict[str, Any]:
    traces: list[dict[str, Any]] = []
    layout: dict[str, Any] = {}
    historian = hmi.services.historian
    oos = hmi.services.snapshot().out_of_service
    shading: list[tuple[Any, Any]] = []
    if historian is not None and tags:
        refs = hmi.services.plant.point_by_tag
        if end - start <= RAW_MAX_S:
            by_tag: dict[str, list] = {t: [] for t in tags}
            for r in historian.raw(tags, start, end):
                by_tag[r.tag].append(r)
            for tag, rs in by_tag.items():
                y = [r.value if is_good(r.quality) else None for r in rs]
                traces.append({"type": "scatter", "x": [_ms(r.t) for r in rs], "y": y, "mode": "lines", "name": label(tag, oos)})
                bad_from = None
                for r in rs:
                    if not is_good(r.quality) and bad_from is None:
                        bad_from = r.t
                    elif is_good(r.quality) and bad_from is not None:
                        shading.append((bad_from, r.t))
                        bad_from = None
                if bad_from is not None:
                    shading.append((bad_from, round(end * US)))
            mode = tr("tr.raw")
        else:
            by_tag = {t: [] for t in tags}
            for b in historian.aggregate(tags, start, end, max_points=MAX_POINTS):
                by_tag[b.tag].append(b)
            for tag, bs in by_tag.items():
                traces.append(
                    {"type": "scatter", "x": [_ms(b.t) for b in bs], "y": [b.mean for b in bs], "mode": "lines", "name": label(tag, oos)}
                )
                step = bs[1].t - bs[0].t if len(bs) > 1 else 0
                shading += [(b.t, b.t + step) for b in bs if b.count == 0 and step]
            mode = tr("tr.aggregated")
        units = {refs[t].point.unit for t in tags if t in refs}
        layout["yaxis"] = {"title": {"text": " / ".join(sorted(u for u in units if u))}}
    else:
        mode = tr("tr.nohistorian") if historian is None else ""
    shade = {"type": "rect", "xref": "x", "yref": "paper", "y0": 0, "y1": 1, "fillcolor": "#999", "opacity": 0.35, "line": {"width": 0}}
    layout["shapes"] = [{**shade, "x0": _ms(a), "x1": _ms(b)} for a, b in shading[:200]]
    layout.update(
        height=460,
        margin={"l": 50, "r": 20, "t": 30, "b": 40},
        title={"text": mode, "font": {"size": 12}},
        xaxis={"type": "date", "range": [_ms(round(start * US)), _ms(round(end * US))]},
        legend={"orientation": "h"},
        showlegend=True,  # also for one point: the legend names it, and marks it while out of service
        uirevision="trend",
    )
    return plain_figure(traces, layout)


def export_bytes(hmi: Any, tags: list[str], start: float, end: float, fmt: str) -> bytes:
    """What the trend shows: raw samples for short windows, the same aggregates as the figure for long ones."""
    historian = hmi.services.historian
    refs = hmi.services.plant.point_by_tag

    def meta(tag: str) -> PointMeta:
        ref = refs.get(tag)
        return PointMeta(ref.code, ref.point.name, ref.point.unit) if ref else PointMeta(tag, "", "")

    lang = current_lang()
    if end - start <= RAW_MAX_S:
        header, lines = RAW_HEADERS[lang], raw_lines(historian.raw(tags, start, end), meta)
    else:
        header, lines = AGG_HEADERS[lang], bucket_lines(historian.aggregate(tags, start, end, max_points=MAX_POINTS), meta)
    if fmt == "xlsx":
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "trend.xlsx"
            write_xlsx(header, lines, path, "trend")
            return path.read_bytes()
    out = io.StringIO()
    write_csv(header, lines, out)
    return out.getvalue().encode("utf-8-sig")


def layout(hmi: Any, user: Any, params: dict[str, str]) -> Any:
    tags = user.scope.require_tags(t for t in params.get("tags", "").split(",") if t)
    plant = hmi.services.plant
    oos = hmi.services.snapshot().out_of_service
    options = [
        {"label": f"{p.tag} {p.point.name} ({p.point.tag})" + (f" · {tr('oos')}" if p.tag in oos else ""), "value": p.tag}
        for p in plant.points
        if user.scope.tag_allowed(p.tag)
    ]
    return html.Div(
        [
            html.H2(tr("tr.title")),
            html.Div(
                [
                    dcc.Dropdown(options, tags, multi=True, id="tr-points", placeholder=tr("tr.points"), className="dd wide"),
                    dcc.RadioItems(list(RANGES), "15m", id="tr-range", inline=True, className="radio"),
                    html.Button(tr("tr.export_csv"), id="tr-csv"),
                    html.Button(tr("tr.export_xlsx"), id="tr-xlsx"),
                    dcc.Download(id="tr-download"),
                ],
                className="filters",
            ),
            # Drawn with the page (no extra round trip for the first paint); the callback redraws on changes.
            dcc.Graph(
                id="tr-graph",
                figure=figure(hmi, tags[:MAX_TAGS], *window(hmi, "15m", None)),
                config={"displaylogo": False, "scrollZoom": True},
            ),
        ],
        id="trends",
    )


def _tags(user: Any, tags: list[str] | None) -> list[str]:
    return user.scope.filter_tags(tags or [])[:MAX_TAGS]


def register(hmi: Any) -> None:
    hmi.pages.add(Page("/trends", "nav.trends", lambda u, p: layout(hmi, u, p), order=40))
    cb = hmi.callbacks

    @cb.data(
        Output("tr-graph", "figure"),
        [Input("tr-points", "value"), Input("tr-range", "value"), Input("tr-graph", "relayoutData")],
        probes=[{"tr-points.value": ["{TAG}"], "tr-range.value": "1h"}],
        prevent_initial_call=True,
    )
    def graph(user: Any, tags: list[str] | None, range_key: str | None, relayout: dict[str, Any] | None) -> dict[str, Any]:
        start, end = window(hmi, range_key, relayout)
        return figure(hmi, _tags(user, tags), start, end)

    @cb.data(
        Output("tr-download", "data"),
        [Input("tr-csv", "n_clicks"), Input("tr-xlsx", "n_clicks")],
        [State("tr-points", "value"), State("tr-range", "value"), State("tr-graph", "relayoutData")],
        probes=[{"tr-csv.n_clicks": 1, "tr-points.value": ["{TAG}"], "tr-range.value": "1h"}],
        prevent_initial_call=True,
    )
    def export(
        user: Any, _csv: int | None, _xlsx: int | None, tags: list[str] | None, range_key: str | None, relayout: dict[str, Any] | None
    ) -> Any:
        from dash import ctx, no_update

        chosen = _tags(user, tags)
        if not chosen or hmi.services.historian is None:
            return no_update
        fmt = "xlsx" if ctx.triggered_id == "tr-xlsx" else "csv"
        start, end = window(hmi, range_key, relayout)
        data = export_bytes(hmi, chosen, start, end, fmt)
        return dcc.send_bytes(data, f"trend.{fmt}")
