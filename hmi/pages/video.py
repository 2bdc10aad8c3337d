"""Video wall 视频墙: a snapshot tile per camera in scope with its liveness status.

Cameras are found from the video checker's tags ``ENT._video.CAM.online/status``; pictures are the
checker's latest snapshots under ``<data>/video/snapshots/ENT/CAM.jpg``, served through a
scope-checked route and refreshed every few seconds.
"""

from __future__ import annotations

import re
from typing import Any

from dash import html
from flask import Response, abort

from hmi.i18n import tr
from hmi.live import Snapshot
from hmi.registry import Page
from hmi.scope import current_scope

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")
REFRESH_S = 5


def cameras(snap: Snapshot, user: Any, enterprise: str | None) -> list[str]:
    return sorted(k for k in snap.cameras if user.scope.has(k.split(".", 1)[0]) and (not enterprise or k.startswith(f"{enterprise}.")))


def layout(hmi: Any, user: Any, params: dict[str, str]) -> Any:
    ent = params.get("e")
    if ent:
        user.scope.require(ent)
    keys = cameras(hmi.services.snapshot(), user, ent)
    tiles = [
        html.Figure(
            [
                html.Img(src="", alt=k, **{"data-img": k}),
                html.Figcaption([html.B(k), " ", html.Span("…", className="status", **{"data-key": f"cam-{k}"})]),
            ],
            className="cam",
        )
        for k in keys
    ]
    return html.Div([html.H2(tr("vw.title")), html.Div(tiles or tr("vw.none"), className="wall")], id="video")


def live(hmi: Any, user: Any, params: dict[str, str], snap: Snapshot) -> dict[str, Any]:
    ent = params.get("e")
    if ent:
        user.scope.require(ent)
    keys: dict[str, list[Any]] = {}
    img: dict[str, str] = {}
    stamp = int(snap.at // REFRESH_S)
    for k in cameras(snap, user, ent):
        online, status = snap.cameras[k]
        text = {True: tr("ent.online"), False: tr("ent.offline"), None: tr("ent.unknown")}[online]
        keys[f"cam-{k}"] = [f"{text} {status}".strip(), "status" if online else "status alert"]
        e, c = k.split(".", 1)
        img[k] = f"/hmi/snapshot/{e}/{c}.jpg?t={stamp}"
    return {"k": keys, "img": img}


def register(hmi: Any) -> None:
    hmi.pages.add(Page("/video", "nav.video", lambda u, p: layout(hmi, u, p), order=50, live=lambda u, p, s: live(hmi, u, p, s)))

    def snapshot(enterprise: str, camera: str) -> Response:
        if not CODE.match(enterprise) or not CODE.match(camera):
            abort(404)
        current_scope().require(enterprise)
        path = hmi.services.data_dir / "video" / "snapshots" / enterprise / f"{camera}.jpg"
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            abort(404)
        return Response(data, mimetype="image/jpeg", headers={"Cache-Control": "no-store"})

    snapshot.hmi_probes = [("GET", "/hmi/snapshot/{E}/CAM01.jpg", None)]  # type: ignore[attr-defined]
    hmi.server.add_url_rule("/hmi/snapshot/<enterprise>/<camera>.jpg", "hmi_snapshot", snapshot)
