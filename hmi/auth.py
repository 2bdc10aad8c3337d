"""Sign-in, sessions, CSRF and the login wall for every HMI and API request (flask-login).

Sessions are kept on the server (``SessionRegistry``): the cookie only carries a random id, so
signing out or timing out ends the session even for a copied cookie. Idle time counts user
actions only: the 1 s live polling of a screen left open does not keep a session alive.
CSRF: every state-changing request (Dash callbacks, API writes, sign-out) must carry the session's
token in a header (``X-CSRFToken``; Dash's renderer sends it from the ``_csrf_token`` cookie) or
form field; the session cookie is ``SameSite=Strict`` besides.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import Flask, Response, abort, g, jsonify, redirect, render_template_string, request, session
from flask_login import LoginManager, current_user, login_user, logout_user

from hmi.i18n import LANGS, current_lang, tr
from hmi.scope import Scope
from hmi.users import Account, UserStore
from scada.store import AuditEvent, AuditLog

CSRF_COOKIE = "_csrf_token"
PUBLIC_PREFIXES = ("/login", "/lang/", "/_dash-component-suites/", "/assets/", "/_favicon.ico", "/api/v1/openapi.json")
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class _Session:
    account: Account  # as signed in: a role or scope change applies from the next sign-in
    csrf: str
    last_active: float


class SessionRegistry:
    def __init__(self, clock: Callable[[], float], timeout_s: float) -> None:
        self.clock = clock
        self.timeout_s = timeout_s
        self._sessions: dict[str, _Session] = {}
        self._lock = threading.Lock()

    def open(self, account: Account) -> tuple[str, str]:
        sid, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        with self._lock:
            self._sessions[sid] = _Session(account, csrf, self.clock())
        return sid, csrf

    def get(self, sid: str, active: bool) -> _Session | None:
        """The live session; None when unknown or idle too long (then it is closed). ``active`` restarts the idle timer."""
        now = self.clock()
        with self._lock:
            s = self._sessions.get(sid)
            if s is None:
                return None
            if now - s.last_active > self.timeout_s:
                del self._sessions[sid]
                return None
            if active:
                s.last_active = now
            return s

    def close(self, sid: str) -> None:
        with self._lock:
            self._sessions.pop(sid, None)

    def __len__(self) -> int:
        return len(self._sessions)


class HmiUser:
    """flask-login's user: the account, its scope (against the current plant) and the session id."""

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, account: Account, scope: Scope, sid: str, csrf: str) -> None:
        self.account, self.scope, self.sid, self.csrf = account, scope, sid, csrf

    def get_id(self) -> str:
        return self.sid

    def can(self, permission: str) -> bool:
        return self.account.can(permission)


LOGIN_PAGE = """<!doctype html><html lang="{{ lang }}"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/assets/hmi.css"></head><body class="login-body">
<form class="login" method="post" action="/login">
<h1>{{ title }}</h1>
{% if message %}<p class="login-msg" id="login-msg">{{ message }}</p>{% endif %}
<input type="hidden" name="csrf" value="{{ csrf }}"><input type="hidden" name="next" value="{{ next }}">
<label>{{ t_user }}<input id="username" name="username" autocomplete="username" required></label>
<label>{{ t_pw }}<input id="password" name="password" type="password" autocomplete="current-password" required></label>
<button id="signin" type="submit">{{ t_signin }}</button>
<p class="lang"><a href="/lang/zh">中文</a> · <a href="/lang/en">English</a></p>
</form></body></html>"""


def _is_poll() -> bool:
    """A Dash callback fired only by a timer (live polling): not user activity."""
    if request.path != "/_dash-update-component":
        return False
    try:
        changed = json.loads(request.get_data(cache=True) or b"{}").get("changedPropIds") or []
    except ValueError:
        return False
    return bool(changed) and all(str(c).endswith(".n_intervals") or str(c).endswith(".data") for c in changed)


def _safe_next(target: str | None) -> str:
    """Only a local path: never redirect a user to another site after signing in."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


def init_auth(server: Flask, users: UserStore, scope_of: Callable[[Account], Scope], audit: AuditLog, registry: SessionRegistry) -> None:
    manager = LoginManager()
    manager.init_app(server)
    manager.session_protection = None  # the server-side registry does the job

    @manager.user_loader
    def load(sid: str) -> HmiUser | None:
        s = g.get("hmi_session")
        if s is None:
            return None
        return HmiUser(s.account, scope_of(s.account), sid, s.csrf)

    def deny() -> Response:
        if request.path.startswith(("/api/", "/_dash-")):
            return Response(json.dumps({"error": "sign in first 请先登录"}), 401, mimetype="application/json")
        return redirect(f"/login?next={request.full_path.rstrip('?')}")

    @server.before_request
    def wall():  # type: ignore[no-untyped-def]
        sid = session.get("_user_id")
        g.hmi_session = registry.get(sid, active=not _is_poll()) if sid else None
        if sid and g.hmi_session is None:
            session.clear()
            g.hmi_expired = True
        if request.path.startswith(PUBLIC_PREFIXES) or request.path == "/api/v1/session":
            return None
        if not current_user.is_authenticated:
            return deny()
        if request.method in UNSAFE:
            sent = request.headers.get("X-CSRFToken") or request.headers.get("X-CSRF-Token") or request.form.get("csrf", "")
            if not hmac.compare_digest(sent, current_user.csrf):
                abort(403, "missing or wrong CSRF token")
        return None

    @server.after_request
    def csrf_cookie(resp: Response) -> Response:
        if current_user and current_user.is_authenticated:
            resp.set_cookie(CSRF_COOKIE, current_user.csrf, samesite="Strict", httponly=False)
        return resp

    def sign_in(username: str, password: str) -> tuple[HmiUser | None, str]:
        result = users.authenticate(username, password)
        if result.account is None:
            audit.record(AuditEvent(username or "?", "hmi.signin_failed", request.remote_addr or "", {"reason": result.reason}))
            return None, result.reason
        sid, csrf = registry.open(result.account)
        session.clear()  # a fresh session on sign-in: no fixation
        g.hmi_session = registry.get(sid, active=True)
        user = HmiUser(result.account, scope_of(result.account), sid, csrf)
        login_user(user)
        audit.record(AuditEvent(username, "hmi.signin", request.remote_addr or "", {"scope": f"{user.scope.tier}:{user.scope.code}"}))
        return user, ""

    server.extensions["hmi_sign_in"] = sign_in

    @server.route("/login", methods=["GET", "POST"])
    def login():  # type: ignore[no-untyped-def]
        message = tr("auth.expired") if g.get("hmi_expired") else ""
        nxt = _safe_next(request.values.get("next"))
        if request.method == "POST":
            if not hmac.compare_digest(request.form.get("csrf", ""), session.get("login_csrf", "")):
                abort(403, "missing or wrong CSRF token")
            lang = session.get("lang")
            _user, reason = sign_in(request.form.get("username", ""), request.form.get("password", ""))
            if lang:
                session["lang"] = lang
            if not reason:
                return redirect(nxt)
            message = tr("auth.locked") if reason == "locked" else tr("auth.bad")
        session["login_csrf"] = token = session.get("login_csrf") or secrets.token_urlsafe(24)
        return render_template_string(
            LOGIN_PAGE,
            lang=current_lang(),
            title=tr("app.title"),
            message=message,
            csrf=token,
            next=nxt,
            t_user=tr("auth.user"),
            t_pw=tr("auth.password"),
            t_signin=tr("auth.signin"),
        ), (401 if message else 200)

    @server.route("/logout", methods=["POST"])
    def logout():  # type: ignore[no-untyped-def]
        registry.close(current_user.sid)
        audit.record(AuditEvent(current_user.account.username, "hmi.signout", request.remote_addr or ""))
        logout_user()
        session.clear()
        return redirect("/login")

    @server.route("/lang/<code>")
    def lang(code: str):  # type: ignore[no-untyped-def]
        if code in LANGS:
            session["lang"] = code
        return redirect(_safe_next(request.args.get("next") or urlsplit(request.referrer or "/").path))

    @server.route("/api/v1/session", methods=["POST", "DELETE"])
    def api_session():  # type: ignore[no-untyped-def]
        if request.method == "DELETE":
            if current_user.is_authenticated:
                registry.close(current_user.sid)
                logout_user()
            session.clear()
            return jsonify({"ok": True})
        if not request.is_json:
            abort(415, 'send JSON: {"username": …, "password": …}')
        body = request.get_json(silent=True) or {}
        user, reason = sign_in(str(body.get("username", "")), str(body.get("password", "")))
        if user is None:
            return jsonify({"error": reason}), (423 if reason == "locked" else 401)
        scope = user.scope
        return jsonify(
            {
                "user": user.account.username,
                "role": user.account.role,
                "tier": scope.tier,
                "scope": scope.code,
                "enterprises": scope.sorted(),
                "csrf_token": user.csrf,
            }
        )
