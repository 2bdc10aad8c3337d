"""The HMI application: Flask (sign-in, REST API) with the Dash screens on top.

``create_app`` wires the parts; each screen lives in ``hmi.pages`` and registers itself (page,
live payload, callbacks). The shell — navigation, alarm banner (with the unit's new warnings from
the warning workflow's in-app feed), audible alarm, connection watchdog — is the same on every
page. One 1 s timer per browser drives two small polls: the banner and the page's live payload
(values, alarm indicators, keyed cells), which the browser applies to the drawing without
re-rendering it.

First paint: a page load's layout request brings that page already, with its live values (``_shell``,
``_page``; applied by ``assets/load.js`` before the first frame), so neither the route callback nor a
first poll stands between the page's scripts and a complete screen.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import plotly
from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html
from flask import Flask, Response, request, send_file
from flask_login import current_user
from plotly.offline import get_plotlyjs_version

from hmi.auth import SessionRegistry, init_auth
from hmi.i18n import current_lang, tr
from hmi.registry import Callbacks, Page, Pages
from hmi.scope import OutOfScope, Scope
from hmi.services import HmiServices
from hmi.users import Account, UserStore

PLOTLY_VERSION = get_plotlyjs_version()
# scripts/setup fetches plotly.js's basic bundle (scatter/bar/pie: all the HMI draws, ~1 MB) into the
# venv at the same version; the full bundle shipped inside the plotly package (4.8 MB) stands in without it.
PLOTLY_BASIC_JS = Path(sys.prefix) / "share" / "plotly.js-basic" / f"plotly-basic-{PLOTLY_VERSION}.min.js"
PLOTLY_FULL_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def plotly_js_file() -> Path:
    return PLOTLY_BASIC_JS if PLOTLY_BASIC_JS.is_file() else PLOTLY_FULL_JS


ASSETS = Path(__file__).parent / "assets"
POLL_MS = 1000
NOTE_PRIORITIES = ("critical", "high")  # audible until acknowledged or silenced
FEED_SOUND = "feed:"  # audible ids of in-app notifications: they sound until seen, silencing does not stop them (hmi.js)
WARNINGS_PAGE = "/warnings/"
CACHED_FOR_A_YEAR = "max-age=31536000, immutable"


@dataclass
class HmiApp:
    dash: Dash
    server: Flask
    services: HmiServices
    users: UserStore
    pages: Pages
    callbacks: Callbacks
    sessions: SessionRegistry


def _header(hmi: HmiApp) -> html.Header:
    user = current_user
    links: list[Any] = []
    for p in hmi.pages.nav():
        label = tr(p.nav_key)
        if p.href:
            links.append(html.A(label, href=p.href, className="nav"))
        elif p.layout is None:
            links.append(html.Span(label, className="nav slot", title=tr("nav.pending")))
        else:
            links.append(dcc.Link(label, href=p.path, className="nav", id=f"nav-{p.path.strip('/') or 'overview'}"))
    other = "en" if current_lang() == "zh" else "zh"
    return html.Header(
        className="top",
        children=[
            html.Span(tr("app.title"), className="title"),
            html.Nav(links),
            html.Span(f"{user.account.display_name} · {user.scope.tier}:{user.scope.code}", className="who", id="who"),
            html.A("English" if other == "en" else "中文", href=f"/lang/{other}", className="lang", id="lang-switch"),
            html.Form(
                [dcc.Input(type="hidden", name="csrf", value=user.csrf), html.Button(tr("auth.signout"), type="submit", id="signout")],
                method="POST",
                action="/logout",
                className="signout",
            ),
        ],
    )


def _live_payload(hmi: HmiApp, user: Any, page: Page | None, params: dict[str, str]) -> dict[str, Any]:
    """What a page's live poll returns: the snapshot time and the page's values, alarms, keyed cells (in scope)."""
    snap = hmi.services.snapshot()
    out: dict[str, Any] = {"t": snap.at}
    if page is not None and page.live is not None:
        with contextlib.suppress(OutOfScope):  # nothing for a page outside the scope (its layout says so)
            out.update(page.live(user, params, snap))
    return out


def _page(hmi: HmiApp, user: Any, path: str | None, search: str | None) -> Any:
    """The screen at ``path``/``search`` as ``user`` may see it, carrying its first live payload (``data-live0``):
    hmi.js applies it the moment the page enters the document, so the first paint already shows live values
    instead of placeholders waiting for the first poll."""
    page = hmi.pages.get(path or "/")
    if page is None or page.layout is None:
        return html.Div(tr("notfound"), className="notice")
    params = dict(parse_qsl((search or "").lstrip("?")))
    try:
        body = page.layout(user, params)
    except OutOfScope:
        return html.Div(tr("forbidden"), className="notice forbidden", id="forbidden")
    first = json.dumps(_live_payload(hmi, user, page, params), ensure_ascii=False, separators=(",", ":"))
    return html.Div(body, className="page-body", **{"data-live0": first})


def _loading_page() -> tuple[str | None, str | None]:
    """(path, search) of the page whose loading asked for the layout: the renderer fetches ``/_dash-layout``
    from that page, which the Referer names. (None, None) when it does not (another site, no Referer)."""
    ref = urlsplit(request.referrer or "")
    if not ref.path or ref.netloc != request.host:
        return None, None
    return ref.path, f"?{ref.query}" if ref.query else ""


def _shell(hmi: HmiApp) -> Callable[[], Any]:
    def layout() -> Any:
        if not getattr(current_user, "is_authenticated", False):
            return html.Div(id="page")  # the wall redirects page loads; this only serves stray layout requests
        # The page being loaded comes inside the layout, with its live values: no round trip to the route callback
        # and none to the first poll before the first paint. ``url`` then already holds the page's location, so
        # the route runs only on navigation (or here without a Referer, when the page is left to it).
        path, search = _loading_page()
        first = _page(hmi, current_user, path, search) if path is not None else None
        return html.Div(
            [
                dcc.Location(id="url", pathname=path, search=search),
                dcc.Interval(id="tick", interval=POLL_MS),
                dcc.Interval(id="wd", interval=1000),
                dcc.Store(id="live"),
                dcc.Store(id="page-ready"),
                dcc.Store(id="rx"),
                dcc.Store(id="audible", data=[]),
                dcc.Store(id="silenced", data=[]),
                dcc.Store(id="fp-tag"),
                _header(hmi),
                html.Div(
                    className="banner-row",
                    children=[
                        html.Div(id="banner", className="banner"),
                        html.Button(tr("banner.silence"), id="silence", className="silence hidden"),
                        html.Audio(id="beep", src="/assets/beep.wav", loop=True, preload="auto"),
                        html.Div(
                            id="conn",
                            className="conn ok",
                            children=[html.Span(tr("conn.ok"), className="conn-ok"), html.Span(tr("conn.lost"), className="conn-lost")],
                        ),
                    ],
                ),
                html.Main(first, id="page", className="page"),
                html.Div(id="faceplate", className="faceplate hidden"),
            ],
            id="shell",
        )

    return layout


def _feed_banner(user: Any, feed: list[dict[str, Any]]) -> tuple[Any, list[str]]:
    """The unit's unseen in-app notifications of the warning workflow (warnings, tasks, notices, reports):
    how many, the newest, and 已阅 "seen" — which marks them seen through the scoped feed route
    (``POST /api/v1/warnings/feed/seen``, hmi.js). Warnings and notices sound until then. A viewer reads
    them but may not mark them seen, so they do not sound for a viewer."""
    may_mark = user.account.role != "viewer"
    audible = [f"{FEED_SOUND}{f['id']}" for f in feed if f["sound"]] if may_mark else []
    newest = feed[0]
    children = [
        html.Span(f"{len(feed)} {tr('banner.feed')}", className="feed-count", id="feed-count"),
        html.A(newest["subject"], href=WARNINGS_PAGE, className=f"feed-item feed-{newest['kind']}"),
    ]
    if may_mark:
        ids = json.dumps([f["id"] for f in feed])
        children.append(html.Button(tr("banner.seen"), id="feed-seen", className="feed-seen", **{"data-ids": ids}))
    return html.Span(children, id="banner-feed", className="banner-feed sounding" if audible else "banner-feed"), audible


def _register_shell(hmi: HmiApp) -> None:
    cb, app = hmi.callbacks, hmi.dash

    @cb.data(
        [Output("page", "children"), Output("page-ready", "data")],
        [Input("url", "pathname"), Input("url", "search")],
        probes=[
            {"url.pathname": "/enterprise", "url.search": "?e={E}"},
            {"url.pathname": "/mimic", "url.search": "?hs={HS}"},
            {"url.pathname": "/trends", "url.search": "?tags={TAG}"},
            {"url.pathname": "/alarms", "url.search": "?e={E}"},
            {"url.pathname": "/video", "url.search": "?e={E}"},
        ],
        prevent_initial_call=True,  # a page load's layout brings its page (``_shell``); else dcc.Location filling ``url`` calls it
    )
    def route(user: Any, path: str | None, search: str | None) -> tuple[Any, float]:
        """The page with its first live values, then ``page-ready`` (which fires a live poll once the page is drawn)."""
        return _page(hmi, user, path, search), hmi.services.clock()

    @cb.data(
        Output("live", "data"),
        [Input("tick", "n_intervals"), Input("page-ready", "data")],
        [State("url", "pathname"), State("url", "search")],
        probes=[
            {"url.pathname": "/enterprise", "url.search": "?e={E}"},
            {"url.pathname": "/mimic", "url.search": "?hs={HS}"},
            {"url.pathname": "/video", "url.search": "?e={E}"},
        ],
        prevent_initial_call=True,  # the page came with its live values; the timer (or page-ready) polls next
    )
    def live(user: Any, _n: int | None, _ready: str | None, path: str | None, search: str | None) -> dict[str, Any]:
        return _live_payload(hmi, user, hmi.pages.get(path or "/"), dict(parse_qsl((search or "").lstrip("?"))))

    @cb.data([Output("banner", "children"), Output("audible", "data")], [Input("tick", "n_intervals")], probes=[{}])
    def banner(user: Any, _n: int | None) -> tuple[Any, list[str]]:
        """Unacknowledged alarms in scope and the unseen in-app notifications of the user's own unit
        (the feed is read for that unit only, here on the server); what must sound goes to ``audible``."""
        snap = hmi.services.snapshot()
        scope: Scope = user.scope
        unacked = [a for a in snap.alarms if not a.state.acked and a.state.annunciated and scope.has(a.alarm.enterprise)]
        audible = [a.alarm_id for a in unacked if a.priority in NOTE_PRIORITIES]
        items: list[Any] = []
        feed = hmi.services.warning_feed(scope.tier, scope.code, snap)
        if feed:
            block, sounding = _feed_banner(user, feed)
            items.append(block)
            audible += sounding
        if not unacked:
            return [*items, html.Span(tr("banner.none"), className="banner-none")], audible
        items.append(html.Span(f"{len(unacked)} {tr('banner.unacked')}", className="banner-count", id="banner-count"))
        for a in unacked[:3]:
            items.append(dcc.Link(f"{a.alarm.source} {a.message}", href="/alarms", className=f"banner-item p-{a.priority}"))
        return items, audible

    app.clientside_callback(ClientsideFunction("hmi", "apply"), Output("rx", "data"), Input("live", "data"))
    app.clientside_callback(
        ClientsideFunction("hmi", "watchdog"), Output("conn", "className"), Input("wd", "n_intervals"), State("rx", "data")
    )
    app.clientside_callback(
        ClientsideFunction("hmi", "sound"), Output("silence", "className"), Input("audible", "data"), Input("silenced", "data")
    )
    app.clientside_callback(
        ClientsideFunction("hmi", "silence"), Output("silenced", "data"), Input("silence", "n_clicks"), State("audible", "data")
    )
    app.clientside_callback(ClientsideFunction("hmi", "faceplate"), Output("faceplate", "className"), Input("faceplate", "children"))


def create_app(
    services: HmiServices,
    secret_key: bytes,
    session_timeout_s: float = 1800.0,
    extensions: Sequence[Callable[[HmiApp], None]] = (),
) -> HmiApp:
    """The whole HMI; ``extensions`` are later issues' registration functions (pages, callbacks, blueprints)."""
    from hmi.pages import alarms, enterprise, journal, mimic, overview, trends, video

    server = Flask("hmi")
    server.config.update(
        SECRET_KEY=secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        SESSION_COOKIE_NAME="hmi_session",
        MAX_CONTENT_LENGTH=16 << 20,  # a warning feedback may carry a 10 MB attachment (risk.yaml), base64 in JSON
    )
    users = UserStore(services.engine, services.clock)
    sessions = SessionRegistry(services.clock, session_timeout_s)

    def scope_of(account: Account) -> Scope:
        return Scope.of(services.plant, account.tier, account.scope_code)

    init_auth(server, users, scope_of, services.audit, sessions)
    app = Dash(
        "hmi",
        server=server,
        assets_folder=str(ASSETS),
        title="危险化学品安全风险监测预警",
        update_title=None,
        suppress_callback_exceptions=True,
        serve_locally=True,
    )

    @server.get(f"/vendor/plotly-{PLOTLY_VERSION}.min.js")
    def plotly_js() -> Response:
        """plotly.js at the installed plotly package's version (not a copy in this repository), loaded on demand by load.js."""
        return send_file(plotly_js_file(), mimetype="text/javascript", max_age=0)

    @server.after_request
    def cache_assets(resp: Response) -> Response:
        """Assets whose URL names their version — Dash's ``?m=<modified>`` links, ``vendor/`` files named with
        theirs — are kept by the browser: a page load revalidates none of them (a changed file has a new URL)."""
        if (request.path.startswith("/assets/") and request.args.get("m")) or request.path.startswith("/vendor/"):
            resp.headers["Cache-Control"] = CACHED_FOR_A_YEAR
        return resp

    hmi = HmiApp(app, server, services, users, Pages(), Callbacks(app), sessions)
    app.layout = _shell(hmi)
    _register_shell(hmi)
    for module in (overview, enterprise, mimic, alarms, journal, trends, video):
        module.register(hmi)
    # Slots for later issues: they replace these entries with their own pages or blueprints.
    from governance.pages import register as governance  # 治理 (issue 9): its pages, REST API and password rule
    from risk.pages import register as warnings_slot  # 预警 (issue 8): the warnings REST API and list page

    warnings_slot(hmi)
    governance(hmi)
    hmi.pages.add(Page("/engineering", "nav.engineering", order=90))
    from hmi import api

    api.register(hmi)
    for extend in extensions:
        extend(hmi)
    return hmi
