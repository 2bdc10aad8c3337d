"""The HMI's 预警 slot: ``register(hmi)`` mounts the warnings REST blueprint (``risk.web``, ``/api/v1/warnings``)
and a server-rendered list of warnings and levels (``/warnings/``) behind the HMI's sign-in, CSRF and scope.

The blueprint's ``current_user_scope`` hook is the signed-in HMI user: their tier node becomes risk's
``Scope``. The HMI answers 403 outside the scope, so risk's NotFound — raised alike for an id that does
not exist and for one outside the scope — is 403 here too; viewers read only. The service is the
server's (``HmiServices.risk``, the supervisor's ``RiskService``); without one (tests, tools) the HMI
builds its own on the plant's ``risk.yaml``. Either way it fills the HMI's providers: the current levels
of the overview and enterprise screens, and the in-app feed of the banner (``Providers.connect_risk``).
Every route carries the scope probes the HMI's scope tests replay (``PROBES``) and, where the district
user cannot be the in-scope control, the user who can (``CONTROLS``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, render_template_string, request
from flask_login import current_user
from werkzeug.exceptions import Unauthorized

from hmi.scope import OutOfScope
from risk.config import COLOURS_ZH, load_risk_config
from risk.errors import NotFound
from risk.scope import Caller, Scope
from risk.service import RiskService
from risk.texts import local
from risk.web import PREFIX, blueprint

PAGES = "/warnings"
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
Probe = tuple[str, str, dict[str, Any] | None]  # (method, url, JSON body) aimed at enterprise E02 (placeholders: tests/hmi/test_scope.py)

# Endpoint → requests aimed at another enterprise's warnings; {WARNING}, {TASK}, {ATTACHMENT}, {WARNING_NOTICE}
# and {FEED} are ids of that enterprise's records, filed by the scope tests' fixture.
PROBES: dict[str, list[Probe]] = {
    "warnings.warnings": [("GET", PREFIX, None), ("GET", f"{PREFIX}?enterprise={{E}}", None)],
    "warnings.warning": [("GET", f"{PREFIX}/{{WARNING}}", None)],
    "warnings.feedback": [("POST", f"{PREFIX}/{{WARNING}}/feedback", {"kind": "verification", "text": "probe"})],
    "warnings.issue_notice": [
        ("POST", f"{PREFIX}/{{WARNING}}/notices", {"recipient": "enterprise:{E}", "title": "probe", "text": "probe"})
    ],
    "warnings.attachment": [("GET", f"{PREFIX}/attachments/{{ATTACHMENT}}", None)],
    "warnings.levels": [("GET", f"{PREFIX}/levels", None)],
    "warnings.evaluations": [("GET", f"{PREFIX}/evaluations/{{E}}", None)],
    "warnings.tasks": [("GET", f"{PREFIX}/tasks", None), ("GET", f"{PREFIX}/tasks?status=all", None)],
    "warnings.task_done": [("POST", f"{PREFIX}/tasks/{{TASK}}/done", {"note": "probe"})],
    "warnings.notices": [("GET", f"{PREFIX}/notices", None)],
    "warnings.notice_read": [("POST", f"{PREFIX}/notices/{{WARNING_NOTICE}}/read", {})],
    "warnings.feed": [("GET", f"{PREFIX}/feed", None)],
    "warnings.feed_seen": [("POST", f"{PREFIX}/feed/seen", {"ids": ["{FEED}"]})],
    "warnings_pages.index": [("GET", f"{PAGES}/", None), ("GET", f"{PAGES}/?enterprise={{E}}", None)],
}
# The in-scope control user where it is not the district user "fs": tasks are per unit, and a task row
# names its unit, not its enterprise — the enterprise's own user sees "enterprise:E02" in its tasks.
CONTROLS: dict[str, str | None] = {"warnings.tasks": "e02"}

PAGE = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>预警 Warnings</title>
<link rel="stylesheet" href="/assets/hmi.css"></head><body class="gov">
<p><a href="/">← 总览 overview</a> · {{ who }}</p>
<h1>预警 Warnings</h1>
<p><a href="?status=open">未处置 open</a> · <a href="?">全部 all</a> · <a href="/api/v1/warnings">JSON</a></p>
<h2>当前等级 current levels</h2>
<table class="gov-table" id="levels"><tr><th>企业</th><th>名称</th><th>等级</th><th>自 since</th></tr>
{% for l in levels %}<tr class="level-{{ l.level }}"><td>{{ l.enterprise }}</td><td>{{ l.name }}</td>
<td>{{ l.colour }}</td><td>{{ l.since }}</td></tr>{% endfor %}
</table>
<h2>预警 warnings</h2>
<table class="gov-table" id="warnings">
<tr><th>#</th><th>企业</th><th>名称</th><th>颜色</th><th>状态</th><th>发布 raised</th><th>期限 deadline</th></tr>
{% for w in warnings %}<tr class="warning-{{ w.colour }}{% if w.overdue %} overdue{% endif %}">
<td><a href="/api/v1/warnings/{{ w.id }}">{{ w.id }}</a></td><td>{{ w.enterprise }}</td><td>{{ w.name }}</td>
<td>{{ w.colour_zh }}</td><td>{{ w.status }}{% if w.overdue %} · 超时 overdue{% endif %}</td>
<td>{{ w.raised }}</td><td>{{ w.deadline }}</td></tr>{% endfor %}
</table>
</body></html>"""


def from_hmi(hmi: Any) -> RiskService:
    """A service on the HMI's store, plant and clock (``risk.yaml`` from the plant's configuration folder):
    for an HMI built without the server's. Not started: the server's service runs the timers and deliveries."""
    s = hmi.services
    plant = s.plant
    return RiskService(plant, load_risk_config(Path(plant.files[0]).parent, plant), s.alarms.config.kpi, s.engine, s.clock)


def caller_of(hmi: Any) -> Caller | None:
    """The signed-in HMI user as risk's caller; None (401) when nobody is signed in."""
    if not getattr(current_user, "is_authenticated", False):
        return None
    s = current_user.scope
    if s.tier == "city" and s.code != hmi.services.plant.site.city.code:
        raise OutOfScope()  # risk's city scope sees every enterprise whatever its code; the HMI's only for the configured city
    return Caller(Scope(s.tier, s.code), current_user.account.username)


def pages(hmi: Any, service: RiskService) -> Blueprint:
    bp = Blueprint("warnings_pages", __name__, url_prefix=PAGES)

    @bp.get("/")
    def index() -> str:
        who = caller_of(hmi)
        if who is None:
            raise Unauthorized()
        ent = request.args.get("enterprise") or None
        if ent is not None:
            current_user.scope.require(ent)  # 403 for an enterprise outside the scope, as on the HMI's screens
        levels = [
            {**lv, "colour": COLOURS_ZH.get(lv["level"], lv["level"]), "since": local(lv["since"])}
            for lv in service.api.levels(who.scope)
            if ent is None or lv["enterprise"] == ent
        ]
        rows = [
            {
                **w,
                "colour_zh": COLOURS_ZH.get(w["colour"], w["colour"]),
                "raised": local(w["raised_at"]),
                "deadline": local(w["deadline_at"]),
            }
            for w in service.api.warnings(who.scope, request.args.get("status") or None, None, ent)
        ]
        return render_template_string(PAGE, who=f"{who.user} · {who.scope.unit}", levels=levels, warnings=rows)

    return bp


def register(hmi: Any, service: RiskService | None = None) -> RiskService:
    """The HMI's 预警 slot (``hmi.app.create_app``)."""
    from hmi.registry import Page

    service = service or hmi.services.risk or from_hmi(hmi)
    hmi.services.use_risk(service)  # its levels colour the overview and enterprise screens, its feed reaches the banner
    server = hmi.server
    bp = blueprint(service.api, lambda: caller_of(hmi))

    @bp.errorhandler(NotFound)
    def out_of_scope(exc: NotFound) -> tuple[Response, int]:
        return jsonify({"error": str(exc)}), 403

    @bp.before_request
    def read_only_for_viewers() -> Any:
        if request.method in UNSAFE and getattr(current_user, "is_authenticated", False) and current_user.account.role == "viewer":
            return jsonify({"error": "your role may not do this 您的角色无此权限"}), 403
        return None

    server.register_blueprint(bp)
    server.register_blueprint(pages(hmi, service))
    for endpoint, probes in PROBES.items():
        server.view_functions[endpoint].hmi_probes = probes
    for endpoint, user in CONTROLS.items():
        server.view_functions[endpoint].hmi_probe_control = user
    hmi.pages.add(Page(PAGES, "nav.warnings", order=15, href=f"{PAGES}/"))
    server.extensions["risk"] = service
    return service
