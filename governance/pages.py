"""The governance pages of the HMI (server-rendered, under ``/governance``) and ``register(hmi)``, the
HMI's 治理 slot: builds the workflows on the HMI's store, plant and clock, adds the REST blueprint,
the pages and the navigation entry, feeds the overview's missing-commitment count, and holds every
request of a freshly opened account to the password page until the password is changed. Every route
carries the scope probes the HMI's scope tests replay (``PROBES``) and, where the district user cannot
be the in-scope control, the user who can (``CONTROLS``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template_string, request
from flask_login import current_user

from governance.calendar import day_of, local
from governance.config import load_governance_config
from governance.errors import GovernanceError
from governance.service import Governance
from governance.web import PREFIX, actor_of, blueprint

PAGES = "/governance"
PASSWORD_OK = (f"{PAGES}/password", "/api/v1/governance/accounts/password", "/logout", "/login", "/api/v1/session", "/assets/", "/lang/")

G = PREFIX
Probe = tuple[str, str, dict[str, Any] | None]  # (method, url, JSON body) aimed at enterprise E02 (placeholders: tests/hmi/test_scope.py)
LATER = {"start": "2030-01-07T09:00", "end": "2030-01-07T10:00"}  # a valid period, so a probe is refused for its target alone
# Endpoint → requests aimed at another enterprise's governance records; {DECLARATION}, {ACCOUNT_REQUEST}, {NOTICE},
# {PROBLEM}, {REPORT} are ids of that enterprise's (or its district's) records and {UNIT} its district, filed by the
# scope tests' fixture; {PASSWORD} is the caller's own.
PROBES: dict[str, list[Probe]] = {
    "governance.commitments_today": [("GET", f"{G}/commitments/today", None)],
    "governance.commitments_counts": [("GET", f"{G}/commitments/counts", None)],
    "governance.commitments_history": [("GET", f"{G}/commitments/history/{{E}}", None)],
    "governance.commitment_file": [("POST", f"{G}/commitments", {"enterprise": "{E}", "signer": "probe", "text": "probe"})],
    "governance.declarations": [("GET", f"{G}/declarations", None), ("GET", f"{G}/declarations?status=pending", None)],
    "governance.declaration_file": [
        ("POST", f"{G}/declarations", {"enterprise": "{E}", "points": ["{TAG}"], "reason": "probe", **LATER}),
        ("POST", f"{G}/declarations", {"points": ["{TAG}"], "reason": "probe", **LATER}),
    ],
    "governance.declaration_review": [("POST", f"{G}/declarations/{{DECLARATION}}/review", {"approve": True, "note": "probe"})],
    "governance.declaration_withdraw": [("POST", f"{G}/declarations/{{DECLARATION}}/withdraw", {})],
    "governance.statistics_offline": [
        ("GET", f"{G}/statistics/offline?enterprise={{E}}", None),
        ("GET", f"{G}/statistics/offline?period=month", None),
    ],
    "governance.statistics_operation": [("GET", f"{G}/statistics/operation", None)],
    "governance.account_requests": [("GET", f"{G}/accounts/requests", None)],
    "governance.account_apply": [("POST", f"{G}/accounts/requests", {"enterprise": "{E}", "action": "open", "username": "probe"})],
    "governance.account_step": [
        ("POST", f"{G}/accounts/requests/{{ACCOUNT_REQUEST}}/steps", {"step": "district", "approve": True, "note": "probe"})
    ],
    "governance.password": [("POST", f"{G}/accounts/password", {"old": "{PASSWORD}", "new": "{PASSWORD}-probe"})],
    "governance.notices": [("GET", f"{G}/maintenance/notices", None)],
    "governance.notice_schedule": [
        ("POST", f"{G}/maintenance/notices", {"title": "probe", "text": "probe", "recipients": ["enterprise:{E}"], **LATER})
    ],
    "governance.notice_read": [("POST", f"{G}/maintenance/notices/{{NOTICE}}/read", {})],
    "governance.problems": [("GET", f"{G}/problems", None)],
    "governance.problem_file": [("POST", f"{G}/problems", {"title": "{E}", "text": "probe"})],
    "governance.problem_answer": [("POST", f"{G}/problems/{{PROBLEM}}/answer", {"status": "resolved", "response": "probe"})],
    "governance.reports": [("GET", f"{G}/reports", None), ("GET", f"{G}/reports?unit={{UNIT}}", None)],
    "governance.report_generate": [("POST", f"{G}/reports", {"unit": "{UNIT}", "month": "2026-08", "format": "xlsx"})],
    "governance.report_file": [("GET", f"{G}/reports/{{REPORT}}/file", None)],
    "governance.audit": [("GET", f"{G}/audit?target={{E}}", None)],
    "governance.audit_csv": [("GET", f"{G}/audit.csv?target={{E}}", None)],
    "governance_pages.index": [("GET", f"{PAGES}/", None)],
    "governance_pages.password": [("GET", f"{PAGES}/password", None), ("POST", f"{PAGES}/password", {"old": "{E}", "new": "{E}"})],
}
# The in-scope control user where it is not the district user "fs" (None: no user sees "E02" in the answer).
CONTROLS: dict[str, str | None] = {
    "governance.statistics_operation": "city",  # the city's report
    "governance.audit": "city",  # administrators only; the district user is on duty
    "governance.audit_csv": "city",
    "governance.reports": None,  # a report is a district's or the park's: its listing names no enterprise
    "governance.report_file": None,  # a compressed xlsx: "E02" is inside, not readable as text
    "governance_pages.password": None,  # the caller's own password form
}

INDEX = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>治理 Governance</title>
<link rel="stylesheet" href="/assets/hmi.css"></head><body class="gov">
<p><a href="/">← 总览 overview</a> · {{ who }}</p>
<h1>治理 Governance</h1>
<h2 id="notice">今日安全承诺公告 today's commitments ({{ today }})</h2>
<table class="gov-table"><tr><th>企业</th><th>承诺人</th><th>填报时间</th><th>状态</th></tr>
{% for r in today_rows %}
<tr class="{{ r.cls }}"><td>{{ r.enterprise }}</td><td>{{ r.signer }}</td><td>{{ r.time }}</td><td>{{ r.status }}</td></tr>{% endfor %}
</table>
<h2>停用报备 out-of-service declarations</h2>
<table class="gov-table">
<tr><th>#</th><th>企业</th><th>设备/点位</th><th>时段</th><th>状态</th><th>审核意见</th></tr>
{% for d in declarations %}<tr class="decl-{{ d.status }}"><td>{{ d.id }}</td><td>{{ d.enterprise }}</td><td>{{ d.what }}</td>
<td>{{ d.period }}</td><td>{{ d.status }}{% if d.running %} · 停用中 out of service{% endif %}</td>
<td>{{ d.review_note }}</td></tr>{% endfor %}
</table>
<h2>维护通知 maintenance notices</h2>
<ul>{% for n in notices %}<li>{{ n.title }} — {{ n.period }} ({{ n.working_days }} 个工作日前通知)</li>{% endfor %}</ul>
<h2>月度报告 monthly reports</h2>
<ul>{% for r in reports %}
<li><a href="/api/v1/governance/reports/{{ r.id }}/file">{{ r.unit }} {{ r.month }} {{ r.fmt }}</a></li>{% endfor %}</ul>
</body></html>"""

PASSWORD = """<!doctype html><html lang="zh"><head><meta charset="utf-8"><title>修改密码 Change password</title>
<link rel="stylesheet" href="/assets/hmi.css"></head><body class="login-body">
<form class="login" method="post" action="/governance/password">
<h1>首次登录请修改密码 Change your password</h1>
{% if message %}<p class="login-msg" id="pw-msg">{{ message }}</p>{% endif %}
<input type="hidden" name="csrf" value="{{ csrf }}">
<label>当前密码 current<input name="old" type="password" required></label>
<label>新密码 new (≥10, 字母+数字+符号)<input name="new" type="password" required></label>
<button type="submit">修改 change</button></form></body></html>"""


def _fmt(t: float) -> str:
    return local(t).strftime("%m-%d %H:%M")


def pages(gov: Governance) -> Blueprint:
    bp = Blueprint("governance_pages", __name__, url_prefix=PAGES)

    @bp.get("/")
    def index() -> str:
        who = actor_of(gov)
        now = gov.clock()
        today_rows = []
        for r in gov.commitments.today(who):
            c = r["commitment"]
            status = (
                "未报 missing"
                if c is None and r["overdue"]
                else "待报 not yet"
                if c is None
                else "迟报 late"
                if c["late"]
                else "按时 on time"
            )
            today_rows.append(
                {
                    "enterprise": r["enterprise"],
                    "signer": c["signer"] if c else "",
                    "time": c["filed_local"][11:16] if c else "",
                    "status": status,
                    "cls": "missing" if c is None and r["overdue"] else "",
                }
            )
        decls = [
            {
                **d,
                "what": ", ".join(d["devices"]) or ", ".join(d["tags"][:5]),
                "period": f"{_fmt(d['start_at'])} – {_fmt(d['end_at'])}",
                "running": d["status"] == "approved" and d["start_at"] <= now < d["end_at"],
            }
            for d in gov.declarations.list(who)[:50]
        ]
        notices = [{**n, "period": f"{_fmt(n['work_start'])} – {_fmt(n['work_end'])}"} for n in gov.maintenance.notices(who)[:20]]
        return render_template_string(
            INDEX,
            who=f"{who.user} · {who.unit}",
            today=day_of(now).isoformat(),
            today_rows=today_rows,
            declarations=decls,
            notices=notices,
            reports=gov.reports(who)[:24],
        )

    @bp.route("/password", methods=["GET", "POST"])
    def password() -> Any:
        message = ""
        if request.method == "POST":
            who = actor_of(gov)
            try:
                gov.audit.act(
                    who,
                    "account.password_changed",
                    who.user,
                    lambda: gov.accounts.change_password(who.user, request.form.get("old", ""), request.form.get("new", "")),
                )
                return redirect("/")
            except GovernanceError as exc:
                message = str(exc)
        return render_template_string(PASSWORD, message=message, csrf=current_user.csrf)

    return bp


def config_dir(plant: Any) -> Path:
    """The folder the plant was loaded from (its first file is site.yaml)."""
    return Path(plant.files[0]).parent


def from_hmi(hmi: Any) -> Governance:
    s = hmi.services
    plant = s.plant

    def set_oos(tags: list[str], key: str, on: bool) -> None:
        s.on_loop(lambda: s.alarms.set_out_of_service(tags, key, on))

    return Governance(s.engine, plant, load_governance_config(config_dir(plant), plant), s.alarms.config.kpi, s.data_dir, s.clock, set_oos)


def register(hmi: Any, gov: Governance | None = None) -> Governance:
    """The HMI's governance slot (``hmi.app.create_app``)."""
    from hmi.registry import Page

    gov = gov or from_hmi(hmi)
    server = hmi.server

    def after_review() -> None:
        if gov.set_oos is not None:
            gov.declarations.sync(gov.clock(), gov.set_oos)  # an approval whose period already runs applies now
            hmi.services.live.refresh()

    server.register_blueprint(blueprint(gov, lambda: actor_of(gov), after_review))
    server.register_blueprint(pages(gov))
    for endpoint, probes in PROBES.items():
        server.view_functions[endpoint].hmi_probes = probes
    for endpoint, user in CONTROLS.items():
        server.view_functions[endpoint].hmi_probe_control = user
    hmi.pages.add(Page("/governance", "nav.governance", order=80, href=f"{PAGES}/"))
    hmi.services.providers.commitments_missing = gov.missing_today
    server.extensions["governance"] = gov

    @server.before_request
    def forced_password_change() -> Any:
        if not getattr(current_user, "is_authenticated", False) or request.path.startswith(PASSWORD_OK):
            return None
        if not gov.accounts.must_change(current_user.account.username):
            return None
        if request.path.startswith(("/api/", "/_dash-")):
            return jsonify({"error": "change your password first 首次登录须修改密码", "change": f"{PAGES}/password"}), 403
        return redirect(f"{PAGES}/password")

    return gov
