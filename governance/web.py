"""REST blueprint ``/api/v1/governance`` and the governance pages (``/governance/…``) of the HMI.

``register(hmi)`` is the HMI's 治理 slot: it builds the workflows on the HMI's store, plant and clock
(``governance.yaml`` from the plant's configuration folder), adds the blueprint and the navigation
entry, feeds the overview's missing-commitment count, and enforces the forced password change of
a freshly opened account on every request. Every state-changing route leaves exactly one audit
record, refused or not (``Auditor.act``); downloads of reports and of the audit trail are audited.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, jsonify, request, send_file
from flask_login import current_user
from werkzeug.exceptions import Forbidden as OutsideScope

from governance.actor import Actor
from governance.calendar import BEIJING, day_of, day_start, month_bounds
from governance.errors import Forbidden, GovernanceError, NotFound
from governance.service import Governance

PREFIX = "/api/v1/governance"
# Method, path, what it does — the documented route table (docs/operation.md lists the same).
ROUTES = (
    ("GET", "/commitments/today", "today's commitment of every enterprise in scope (the public notice 公告)"),
    ("GET", "/commitments/counts", "on-time / late / missing per enterprise, district and park; start, end (YYYY-MM-DD)"),
    ("GET", "/commitments/history/<enterprise>", "an enterprise's commitments; days (default 30)"),
    ("POST", "/commitments", "file today's commitment: enterprise, signer, text, major_hazard, units, operations, jobs, hazard_sources"),
    ("GET", "/declarations", "out-of-service declarations in scope; status"),
    ("POST", "/declarations", "declare devices/points out of service: enterprise, devices, points, kind, reason, start, end"),
    ("POST", "/declarations/<id>/review", "the district approves or rejects: approve, note"),
    ("POST", "/declarations/<id>/withdraw", "the enterprise withdraws a pending declaration"),
    ("GET", "/statistics/offline", "online rate, offline hours and counts per device, gateway, enterprise; period day|month, date"),
    ("GET", "/statistics/operation", "the city's operation report for a month: month (YYYY-MM)"),
    ("GET", "/accounts/requests", "account applications in scope; mine=1 for those waiting for the caller"),
    ("POST", "/accounts/requests", "apply for an enterprise account: enterprise, action (open|delete), username, display_name, role"),
    ("POST", "/accounts/requests/<id>/steps", "take the next step: step, approve, note"),
    ("POST", "/accounts/password", "change the caller's password: old, new"),
    ("GET", "/maintenance/notices", "maintenance notices for the caller's unit (all for the city)"),
    ("POST", "/maintenance/notices", "schedule a notice: title, text, start, end, recipients (≥ 2 working days ahead)"),
    ("POST", "/maintenance/notices/<id>/read", "confirm reading a notice for the caller's unit"),
    ("GET", "/problems", "usage problems of the caller's district (all for the city)"),
    ("POST", "/problems", "a district files a usage problem: title, text"),
    ("POST", "/problems/<id>/answer", "the information centre answers: status (open|in_progress|resolved), response"),
    ("GET", "/reports", "generated monthly reports in scope; unit"),
    ("POST", "/reports", "generate a monthly report now: unit, month, format (xlsx|pdf)"),
    ("GET", "/reports/<id>/file", "download a generated report (audited)"),
    ("GET", "/audit", "search the audit trail (administrators): start, end, user, action, target, limit"),
    ("GET", "/audit.csv", "export the audit trail search as CSV (audited)"),
)


class _Unauthenticated(Exception):
    pass


def _time(value: Any, name: str) -> float:
    """POSIX seconds, or ISO 8601 (Beijing time when no offset is given)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise GovernanceError(f"{name}: POSIX seconds or ISO 8601 time, not {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BEIJING)
    return moment.timestamp()


def _day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise GovernanceError(f"write a day as YYYY-MM-DD, not {value!r}") from None


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise GovernanceError("send a JSON object")
    return body


def _list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name) or []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise GovernanceError(f"{name}: a list of strings")
    return value


def actor_of(gov: Governance) -> Actor:
    if not getattr(current_user, "is_authenticated", False):
        raise _Unauthenticated()
    a = current_user.account
    if a.tier == "city" and a.scope_code != gov.plant.site.city.code:
        # The HMI gives a city account of another code no enterprise; the workflows' city checks look at the tier alone.
        raise OutsideScope("outside your scope 超出权限范围")
    return Actor.of(gov.plant, a.username, a.role, a.tier, a.scope_code)


def blueprint(gov: Governance, actor: Callable[[], Actor], after_review: Callable[[], None] = lambda: None) -> Blueprint:
    bp = Blueprint("governance", __name__, url_prefix=PREFIX)
    act = gov.audit.act

    @bp.errorhandler(GovernanceError)
    def refused(exc: GovernanceError) -> tuple[Response, int]:
        # NotFound means "no such record in your scope": the workflows raise it alike for an id that does not
        # exist and for one outside the caller's scope, so both answer 403 (the HMI's answer for out of scope),
        # which also keeps ids outside the scope from being probed for existence.
        return jsonify({"error": str(exc)}), 403 if isinstance(exc, NotFound | Forbidden) else 400

    @bp.errorhandler(_Unauthenticated)
    def unauthenticated(_exc: Exception) -> tuple[Response, int]:
        return jsonify({"error": "sign in first 请先登录"}), 401

    # -- commitments -------------------------------------------------------------------------------

    @bp.get("/commitments/today")
    def commitments_today() -> Response:
        return jsonify(gov.commitments.today(actor()))

    @bp.get("/commitments/counts")
    def commitments_counts() -> Response:
        today = day_of(gov.clock())
        start = _day(request.args.get("start"), today.replace(day=1))
        end = _day(request.args.get("end"), today + timedelta(days=1))
        return jsonify(gov.commitments.counts(actor(), start, end))

    @bp.get("/commitments/history/<enterprise>")
    def commitments_history(enterprise: str) -> Response:
        today = day_of(gov.clock())
        n = int(request.args.get("days", 30))
        return jsonify(gov.commitments.history(actor(), enterprise, today - timedelta(days=n - 1), today + timedelta(days=1)))

    @bp.post("/commitments")
    def commitment_file() -> tuple[Response, int]:
        who, body = actor(), _body()
        ent = str(body.get("enterprise") or who.code)

        def run() -> dict[str, Any]:
            form = {k: body.get(k) for k in ("units", "operations", "jobs", "hazard_sources")}
            return gov.commitments.file(
                who, ent, str(body.get("signer", "")), str(body.get("text", "")), bool(body.get("major_hazard")), form
            )

        return jsonify(act(who, "commitment.filed", ent, run)), 201

    # -- declarations ------------------------------------------------------------------------------

    @bp.get("/declarations")
    def declarations() -> Response:
        return jsonify(gov.declarations.list(actor(), request.args.get("status")))

    @bp.post("/declarations")
    def declaration_file() -> tuple[Response, int]:
        who, body = actor(), _body()
        ent = str(body.get("enterprise") or who.code)

        def run() -> dict[str, Any]:
            points = _list(body, "points")
            refs = [gov.plant.point_by_tag.get(t) for t in points]
            who.require(all(r is None or who.sees(r.enterprise.code) for r in refs), "declaring points of an enterprise outside your scope")
            return gov.declarations.file(
                who,
                ent,
                _list(body, "devices"),
                points,
                str(body.get("kind", "maintenance")),
                str(body.get("reason", "")),
                _time(body.get("start"), "start"),
                _time(body.get("end"), "end"),
            )

        return jsonify(act(who, "declaration.filed", ent, run)), 201

    @bp.post("/declarations/<int:declaration_id>/review")
    def declaration_review(declaration_id: int) -> Response:
        who, body = actor(), _body()
        approve = body.get("approve") in (True, "1", "true", "yes")

        def run() -> dict[str, Any]:
            return gov.declarations.review(who, declaration_id, approve, str(body.get("note", "")))

        out = act(who, "declaration.approved" if approve else "declaration.rejected", f"declaration:{declaration_id}", run)
        after_review()
        return jsonify(out)

    @bp.post("/declarations/<int:declaration_id>/withdraw")
    def declaration_withdraw(declaration_id: int) -> Response:
        who = actor()
        return jsonify(
            act(who, "declaration.withdrawn", f"declaration:{declaration_id}", lambda: gov.declarations.withdraw(who, declaration_id))
        )

    # -- statistics ----------------------------------------------------------------------------------

    @bp.get("/statistics/offline")
    def statistics_offline() -> Response:
        who = actor()
        period = request.args.get("period", "day")
        day = _day(request.args.get("date"), day_of(gov.clock()))
        if period == "month":
            start, end = month_bounds(f"{day.year:04d}-{day.month:02d}")
        elif period == "day":
            start, end = _start(day), _start(day + timedelta(days=1))
        else:
            raise GovernanceError("period must be day or month")
        ents = sorted(who.enterprises)
        if request.args.get("enterprise"):
            who.require_sees(request.args["enterprise"])
            ents = [request.args["enterprise"]]
        return jsonify([r.to_json() for r in gov.statistics.availability(ents, start, end)])

    @bp.get("/statistics/operation")
    def statistics_operation() -> Response:
        who = actor()
        who.require(who.tier == "city", "the city's operation report")
        start, end = month_bounds(request.args.get("month") or _month(gov.clock()))
        return jsonify(gov.statistics.operation_report(start, end))

    # -- accounts ------------------------------------------------------------------------------------

    @bp.get("/accounts/requests")
    def account_requests() -> Response:
        return jsonify(gov.accounts.list(actor(), request.args.get("mine") in ("1", "true")))

    @bp.post("/accounts/requests")
    def account_apply() -> tuple[Response, int]:
        who, body = actor(), _body()
        ent = str(body.get("enterprise") or who.code)

        def run() -> dict[str, Any]:
            return gov.accounts.apply(
                who, ent, str(body.get("action", "open")), str(body.get("username", "")), str(body.get("display_name", "")),
                str(body.get("role", "duty")),
            )  # fmt: skip

        return jsonify(act(who, "account.applied", ent, run)), 201

    @bp.post("/accounts/requests/<int:request_id>/steps")
    def account_step(request_id: int) -> Response:
        who, body = actor(), _body()
        step = str(body.get("step", ""))
        approve = body.get("approve") in (True, "1", "true", "yes")

        def run() -> dict[str, Any]:
            return gov.accounts.decide(who, request_id, step, approve, str(body.get("note", "")))

        return jsonify(act(who, f"account.{step or 'step'}", f"account-request:{request_id}", run, approve=approve))

    @bp.post("/accounts/password")
    def password() -> Response:
        who, body = actor(), _body()
        act(
            who,
            "account.password_changed",
            who.user,
            lambda: gov.accounts.change_password(who.user, str(body.get("old", "")), str(body.get("new", ""))),
        )
        return jsonify({"ok": True})

    # -- maintenance notices and problems --------------------------------------------------------------

    @bp.get("/maintenance/notices")
    def notices() -> Response:
        who = actor()
        return jsonify([_addressed(who, n) for n in gov.maintenance.notices(who)])

    @bp.post("/maintenance/notices")
    def notice_schedule() -> tuple[Response, int]:
        who, body = actor(), _body()

        def run() -> dict[str, Any]:
            return gov.maintenance.schedule(
                who, str(body.get("title", "")), str(body.get("text", "")), _time(body.get("start"), "start"),
                _time(body.get("end"), "end"), _list(body, "recipients"),
            )  # fmt: skip

        return jsonify(act(who, "maintenance.scheduled", str(body.get("title", "")), run)), 201

    @bp.post("/maintenance/notices/<int:notice_id>/read")
    def notice_read(notice_id: int) -> Response:
        who = actor()
        return jsonify(
            _addressed(who, act(who, "maintenance.read", f"notice:{notice_id}", lambda: gov.maintenance.confirm_read(who, notice_id)))
        )

    @bp.get("/problems")
    def problems() -> Response:
        return jsonify(gov.maintenance.problems(actor()))

    @bp.post("/problems")
    def problem_file() -> tuple[Response, int]:
        who, body = actor(), _body()
        run = lambda: gov.maintenance.file_problem(who, str(body.get("title", "")), str(body.get("text", "")))  # noqa: E731
        return jsonify(act(who, "problem.filed", who.unit, run)), 201

    @bp.post("/problems/<int:problem_id>/answer")
    def problem_answer(problem_id: int) -> Response:
        who, body = actor(), _body()
        run = lambda: gov.maintenance.answer_problem(who, problem_id, str(body.get("status", "")), str(body.get("response", "")))  # noqa: E731
        return jsonify(act(who, "problem.answered", f"problem:{problem_id}", run))

    # -- reports and the audit trail --------------------------------------------------------------------

    @bp.get("/reports")
    def reports() -> Response:
        return jsonify(gov.reports(actor(), request.args.get("unit")))

    @bp.post("/reports")
    def report_generate() -> tuple[Response, int]:
        who, body = actor(), _body()
        unit, month, fmt = str(body.get("unit", who.unit)), str(body.get("month", "")), str(body.get("format", "xlsx"))
        row = act(who, "report.generated", f"{unit}/{month}.{fmt}", lambda: gov.generate_report(who, unit, month, fmt))
        return jsonify({k: v for k, v in row.items() if k != "figures"} | {"figures": row["figures"]}), 201

    @bp.get("/reports/<int:report_id>/file")
    def report_file(report_id: int) -> Response:
        who = actor()
        path, name = act(who, "report.exported", f"report:{report_id}", lambda: gov.report_file(who, report_id))
        return send_file(Path(path), as_attachment=True, download_name=name)

    def _search(who: Actor) -> list[dict[str, Any]]:
        a = request.args
        start = datetime.fromtimestamp(_time(a["start"], "start"), UTC) if a.get("start") else None
        end = datetime.fromtimestamp(_time(a["end"], "end"), UTC) if a.get("end") else None
        return gov.audit.search(who, start, end, a.get("user"), a.get("action"), a.get("target"), int(a.get("limit", 500)))

    @bp.get("/audit")
    def audit() -> Response:
        return jsonify(_search(actor()))

    @bp.get("/audit.csv")
    def audit_csv() -> Response:
        who = actor()
        rows = act(who, "audit.exported", request.query_string.decode()[:200], lambda: _search(who))
        resp = Response(gov.audit.to_csv(rows), mimetype="text/csv")
        resp.headers["Content-Disposition"] = "attachment; filename=audit.csv"
        return resp

    return bp


def _addressed(who: Actor, notice: dict[str, Any]) -> dict[str, Any]:
    """A notice as a unit below the city sees it: of its recipients and their read confirmations only its own unit
    and the enterprises in its scope (a notice sent to all must not show which other enterprises read it, and who)."""
    if who.tier == "city":
        return notice

    def mine(unit: str) -> bool:
        tier, _, code = unit.partition(":")
        return unit == who.unit or (tier == "enterprise" and who.sees(code))

    return {
        **notice,
        "recipients": [u for u in notice["recipients"] if mine(u)],
        "unread": [u for u in notice["unread"] if mine(u)],
        "reads": [r for r in notice["reads"] if mine(r["unit"])],
    }


def _start(day: date) -> float:
    return day_start(day)


def _month(t: float) -> str:
    d = day_of(t)
    return f"{d.year:04d}-{d.month:02d}"
