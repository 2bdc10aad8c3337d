"""L2 enterprise 企业: hazard sources with GB 18218 level and R, current warning, active alarms,
device and gateway status, cameras; links to each hazard source's mimic."""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from hmi.i18n import tr
from hmi.live import Snapshot
from hmi.pages.alarms import alarm_table
from hmi.registry import Page
from hmi.views import out_of_service_counts, out_of_service_text
from scada.config import Plant
from scada.grading import grade_source
from scada.standards.gb18218 import HazardGrade

KIND_ZH = {"tank_farm": "罐区", "warehouse": "库区", "production_unit": "生产装置"}


_GRADES: dict[str, dict[str, HazardGrade]] = {}


def grades(plant: Plant) -> dict[str, HazardGrade]:
    """GB 18218 grades, computed once per configuration (keyed by its content hash)."""
    if plant.content_hash not in _GRADES:
        _GRADES[plant.content_hash] = {hs.code: grade_source(hs) for _e, hs in plant.hazard_sources}
    return _GRADES[plant.content_hash]


def _status(key: str, text: str = "…") -> Any:
    return html.Span(text, className="status", **{"data-key": key})


def layout(hmi: Any, user: Any, params: dict[str, str]) -> Any:
    code = user.scope.require(params.get("e", ""))
    plant = hmi.services.plant
    ent = plant.enterprise(code)
    g = grades(plant)
    columns = ("编码", "名称", "类型", tr("ent.level"), "R", tr("oos"), "")
    hazard_rows = [
        html.Tr(
            [
                html.Td(hs.code),
                html.Td(hs.name),
                html.Td(KIND_ZH.get(hs.kind, hs.kind)),
                html.Td(g[hs.code].level_label),
                html.Td(f"{g[hs.code].r:.1f}"),
                html.Td(_status(f"hso-{hs.code}", "")),
                html.Td(dcc.Link(tr("ent.mimic"), href=f"/mimic?hs={hs.code}", id=f"mimic-{hs.code}")),
            ]
        )
        for hs in ent.hazard_sources
    ]
    devices = [html.Li([html.B(ent.enterprise.gateway.id), " ", _status("gw")])]
    devices += [
        html.Li([d.id, " ", html.Small(d.protocol), " ", _status(f"dev-{d.id}"), " ", _status(f"devo-{d.id}", "")]) for d in ent.devices
    ]
    cameras = sorted(k for k in hmi.services.snapshot().cameras if k.startswith(f"{code}."))
    return html.Div(
        [
            html.H2([ent.enterprise.name, " ", html.Small(code)]),
            html.P([tr("ent.warning"), ": ", html.B("…", id="ent-warning", **{"data-key": "ent-wl"})]),
            html.H3(tr("ent.hazards")),
            html.Table(
                [
                    html.Thead(html.Tr([html.Th(h) for h in columns])),
                    html.Tbody(hazard_rows),
                ],
                className="grid",
            ),
            html.Div(
                [
                    html.Div([html.H3(tr("ent.devices")), html.Ul(devices)], className="box"),
                    html.Div(
                        [
                            html.H3(tr("ent.cameras")),
                            html.Ul([html.Li([k.split(".", 1)[1], " ", _status(f"cam-{k}")]) for k in cameras] or [html.Li("—")]),
                        ],
                        className="box",
                    ),
                ],
                className="summary",
            ),
            html.H3(tr("ent.alarms")),
            alarm_table(hmi, user, code),
        ],
        id="enterprise",
    )


def _online(flag: bool | None) -> list[Any]:
    if flag is None:
        return [tr("ent.unknown"), "status q-uncertain"]
    return [tr("ent.online"), "status"] if flag else [tr("ent.offline"), "status alert"]


def live(hmi: Any, user: Any, params: dict[str, str], snap: Snapshot) -> dict[str, Any]:
    code = user.scope.require(params.get("e", ""))
    plant = hmi.services.plant
    ent = plant.enterprise(code)
    keys: dict[str, list[Any]] = {}
    s = snap.enterprises.get(code)
    level = hmi.services.warning_levels(snap).get(code)
    unknown = "unrated" if hmi.services.levels_connected else "none"  # connected: no level yet means not evaluated yet
    keys["ent-wl"] = [tr(f"wl.{level or unknown}"), f"wl-{level or 'none'}"]
    keys["gw"] = _online(s.gateway_online if s else None)
    for d in ent.devices:
        v = snap.values.get(f"{code}._device.{d.id}.online")
        keys[f"dev-{d.id}"] = _online(None if v is None or v.value is None else bool(v.value))
    by_source = out_of_service_counts(snap, plant, lambda ref: ref.hazard_source.code if ref.enterprise.code == code else "")
    by_device = out_of_service_counts(snap, plant, lambda ref: ref.device.id if ref.enterprise.code == code else "")
    for hs in ent.hazard_sources:
        keys[f"hso-{hs.code}"] = out_of_service_text(by_source.get(hs.code, 0))
    for d in ent.devices:
        keys[f"devo-{d.id}"] = out_of_service_text(by_device.get(d.id, 0))
    for k, (online, status) in snap.cameras.items():
        if k.startswith(f"{code}."):
            text, cls = _online(online)
            keys[f"cam-{k}"] = [f"{text} {status}".strip(), cls]
    return {"k": keys}


def register(hmi: Any) -> None:
    hmi.pages.add(Page("/enterprise", "nav.overview", lambda u, p: layout(hmi, u, p), nav=False, live=lambda u, p, s: live(hmi, u, p, s)))
