"""REST layer for the HMI: a self-contained Flask blueprint under ``/api/v1/warnings``, JSON in and out.

The host application supplies ``current_user_scope()`` — who is signed in and their tier scope
(``risk.scope.Caller``), or None for a 401 — so authentication and sessions stay the HMI's
business; every route passes that scope to ``risk.api.WarningApi``, which enforces it.
Blocking database calls run on Flask's request threads.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, request

from risk.api import WarningApi
from risk.errors import Forbidden, NotFound, RiskError
from risk.scope import Caller
from risk.workflow import Attachment

PREFIX = "/api/v1/warnings"
# Method, path, what it does — the documented route table (docs/operation.md lists the same).
ROUTES = (
    ("GET", "", "warnings in scope; filters status, colour, enterprise, since, until (POSIX s), limit"),
    ("GET", "/<id>", "one warning with timeline, tasks, notices, feedback and the evaluation that raised it"),
    ("POST", "/<id>/feedback", "the enterprise's verification/handling report: kind, text, accident, attachments"),
    ("POST", "/<id>/notices", "issue a warning notice down the warning's chain: recipient, title, text"),
    ("GET", "/attachments/<id>", "download a feedback attachment"),
    ("GET", "/levels", "current level of every enterprise in scope (blue included)"),
    ("GET", "/evaluations/<enterprise>", "stored evaluations with breakdowns; limit, changes_only"),
    ("GET", "/tasks", "the caller's unit's tasks; status (default open, 'all' for every task)"),
    ("POST", "/tasks/<id>/done", "mark a task done; note (an interview's record)"),
    ("GET", "/notices", "notices issued or received; unread=1 for unread ones addressed to the caller"),
    ("POST", "/notices/<id>/read", "mark a received notice read"),
    ("GET", "/feed", "in-app notifications of the caller's unit; unseen=1; sound is true until seen"),
    ("POST", "/feed/seen", "mark in-app notifications seen: ids"),
)


def _flag(name: str) -> bool:
    return request.args.get(name, "") in ("1", "true", "yes")


def _number(name: str) -> float | None:
    value = request.args.get(name)
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise RiskError(f"{name} must be a number (POSIX seconds), not {value!r}") from None


def _attachments() -> list[Attachment]:
    """Multipart files, or JSON ``attachments: [{name, content_type, data (base64)}]``."""
    if request.files:
        return [
            Attachment(f.filename or "file", f.mimetype or "application/octet-stream", f.read()) for f in request.files.getlist("files")
        ]
    out = []
    for a in (request.get_json(silent=True) or {}).get("attachments", []):
        try:
            out.append(
                Attachment(
                    str(a["name"]), str(a.get("content_type", "application/octet-stream")), base64.b64decode(a["data"], validate=True)
                )
            )
        except (KeyError, TypeError, binascii.Error):
            raise RiskError("each attachment needs name and base64 data") from None
    return out


def _body() -> dict[str, Any]:
    if request.files or request.form:
        return dict(request.form.items())
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise RiskError("send a JSON object (or a multipart form with files)")
    return body


def blueprint(api: WarningApi, current_user_scope: Callable[[], Caller | None]) -> Blueprint:
    bp = Blueprint("warnings", __name__, url_prefix=PREFIX)

    def caller() -> Caller:
        who = current_user_scope()
        if who is None:
            raise _Unauthenticated()
        return who

    @bp.errorhandler(RiskError)
    def risk_error(exc: RiskError) -> tuple[Response, int]:
        status = 404 if isinstance(exc, NotFound) else 403 if isinstance(exc, Forbidden) else 400
        return jsonify({"error": str(exc)}), status

    @bp.errorhandler(_Unauthenticated)
    def unauthenticated(_exc: Exception) -> tuple[Response, int]:
        return jsonify({"error": "sign in first"}), 401

    @bp.get("")
    def warnings() -> Response:
        a = request.args
        rows = api.warnings(
            caller().scope,
            a.get("status"),
            a.get("colour"),
            a.get("enterprise"),
            _number("since"),
            _number("until"),
            int(a.get("limit", 200)),
        )
        return jsonify(rows)

    @bp.get("/<int:warning_id>")
    def warning(warning_id: int) -> Response:
        return jsonify(api.warning(caller().scope, warning_id))

    @bp.post("/<int:warning_id>/feedback")
    def feedback(warning_id: int) -> tuple[Response, int]:
        who, body = caller(), _body()
        accident = body.get("accident") in (True, "1", "true", "yes")
        fid = api.feedback(who.scope, warning_id, who.user, str(body.get("kind", "")), str(body.get("text", "")), accident, _attachments())
        return jsonify({"id": fid}), 201

    @bp.post("/<int:warning_id>/notices")
    def issue_notice(warning_id: int) -> tuple[Response, int]:
        who, body = caller(), _body()
        nid = api.issue_notice(
            who.scope, warning_id, str(body.get("recipient", "")), str(body.get("title", "")), str(body.get("text", "")), who.user
        )
        return jsonify({"id": nid}), 201

    @bp.get("/attachments/<int:attachment_id>")
    def attachment(attachment_id: int) -> Response:
        name, content_type, data = api.attachment(caller().scope, attachment_id)
        resp = Response(data, mimetype=content_type)
        resp.headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
        return resp

    @bp.get("/levels")
    def levels() -> Response:
        return jsonify(api.levels(caller().scope))

    @bp.get("/evaluations/<enterprise>")
    def evaluations(enterprise: str) -> Response:
        return jsonify(api.evaluations(caller().scope, enterprise, int(request.args.get("limit", 20)), _flag("changes_only")))

    @bp.get("/tasks")
    def tasks() -> Response:
        status = request.args.get("status", "open")
        return jsonify(api.tasks(caller().scope, None if status == "all" else status))

    @bp.post("/tasks/<int:task_id>/done")
    def task_done(task_id: int) -> Response:
        who = caller()
        api.complete_task(who.scope, task_id, who.user, str(_body().get("note", "")))
        return jsonify({"ok": True})

    @bp.get("/notices")
    def notices() -> Response:
        return jsonify(api.notices(caller().scope, _flag("unread")))

    @bp.post("/notices/<int:notice_id>/read")
    def notice_read(notice_id: int) -> Response:
        who = caller()
        api.read_notice(who.scope, notice_id, who.user)
        return jsonify({"ok": True})

    @bp.get("/feed")
    def feed() -> Response:
        return jsonify(api.feed(caller().scope, _flag("unseen"), int(request.args.get("limit", 100))))

    @bp.post("/feed/seen")
    def feed_seen() -> Response:
        who = caller()
        ids = _body().get("ids", [])
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            raise RiskError("ids must be a list of notification ids")
        return jsonify({"seen": api.mark_seen(who.scope, ids, who.user)})

    return bp


class _Unauthenticated(Exception):
    pass
