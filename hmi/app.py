"""The HMI application: Flask (sign-in, REST API) with the Dash screens on top.

``create_app`` wires the parts; each screen lives in ``hmi.pages`` and registers itself (page,
live payload, callbacks). The shell — navigation, alarm banner, audible alarm, connection
watchdog — is the same on every page. One 1 s timer per browser drives two small polls: the
banner and the page's live payload (values, alarm indicators, keyed cells), which the browser
applies to the drawing without re-rendering it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html
from flask import Flask
from flask_login import current_user

from hmi.auth import SessionRegistry, init_auth
from hmi.i18n import current_lang, tr
from hmi.registry import Callbacks, Page, Pages
from hmi.scope import OutOfScope, Scope
from hmi.services import HmiServices
from hmi.users import Account, UserStore

ASSETS = Path(__file__).parent / "assets"
POLL_MS = 1000
NOTE_PRIORITIES = ("critical", "high")  # audible until acknowledged or silenced


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


def _shell(hmi: HmiApp) -> Callable[[], Any]:
    def layout() -> Any:
        if not getattr(current_user, "is_authenticated", False):
            return html.Div(id="page")  # the wall redirects page loads; this only serves stray layout requests
        return html.Div(
            [
                dcc.Location(id="url"),
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
                html.Main(id="page", className="page"),
                html.Div(id="faceplate", className="faceplate hidden"),
            ],
            id="shell",
        )

    return layout


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
    )
    def route(user: Any, path: str | None, search: str | None) -> tuple[Any, float]:
        """The page, then ``page-ready`` (which fires the first live poll once the page is drawn, not a second later)."""
        ready = hmi.services.clock()
        page = hmi.pages.get(path or "/")
        if page is None or page.layout is None:
            return html.Div(tr("notfound"), className="notice"), ready
        try:
            return page.layout(user, dict(parse_qsl((search or "").lstrip("?")))), ready
        except OutOfScope:
            return html.Div(tr("forbidden"), className="notice forbidden", id="forbidden"), ready

    @cb.data(
        Output("live", "data"),
        [Input("tick", "n_intervals"), Input("page-ready", "data")],
        [State("url", "pathname"), State("url", "search")],
        probes=[
            {"url.pathname": "/enterprise", "url.search": "?e={E}"},
            {"url.pathname": "/mimic", "url.search": "?hs={HS}"},
            {"url.pathname": "/video", "url.search": "?e={E}"},
        ],
    )
    def live(user: Any, _n: int | None, _ready: str | None, path: str | None, search: str | None) -> dict[str, Any]:
        snap = hmi.services.snapshot()
        page = hmi.pages.get(path or "/")
        out: dict[str, Any] = {"t": snap.at}
        if page is not None and page.live is not None:
            with contextlib.suppress(OutOfScope):  # nothing for a page outside the scope (its layout says so)
                out.update(page.live(user, dict(parse_qsl((search or "").lstrip("?"))), snap))
        return out

    @cb.data([Output("banner", "children"), Output("audible", "data")], [Input("tick", "n_intervals")], probes=[{}])
    def banner(user: Any, _n: int | None) -> tuple[Any, list[str]]:
        snap = hmi.services.snapshot()
        scope: Scope = user.scope
        unacked = [a for a in snap.alarms if not a.state.acked and a.state.annunciated and scope.has(a.alarm.enterprise)]
        audible = [a.alarm_id for a in unacked if a.priority in NOTE_PRIORITIES]
        if not unacked:
            return html.Span(tr("banner.none"), className="banner-none"), []
        items = [html.Span(f"{len(unacked)} {tr('banner.unacked')}", className="banner-count", id="banner-count")]
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
        MAX_CONTENT_LENGTH=1 << 20,
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
