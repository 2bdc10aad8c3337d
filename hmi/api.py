"""REST API ``/api/v1`` beside the screens: current values, history, alarms (list, acknowledge,
shelve), journal and trend export; JSON, the same sign-in, CSRF and scope rules as the HMI.

Each route is declared once in ``ROUTES`` — handler, OpenAPI description and the scope probe the
tests replay — so the served OpenAPI document and the routes cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, jsonify, request
from flask_login import current_user

from hmi.scope import current_scope, enterprise_of
from hmi.views import fmt_value
from rules.errors import AlarmError
from tags.quality import quality_name

MAX_HISTORY_TAGS = 20


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # Flask rule under /api/v1
    summary: str
    handler: Callable[..., Any]
    params: tuple[tuple[str, str], ...] = ()  # (query parameter, description)
    body: dict[str, str] = field(default_factory=dict)  # JSON body fields
    probes: tuple[tuple[str, str, dict[str, Any] | None], ...] = ()  # (method, url, json) aimed at another enterprise


def _tags_param() -> list[str]:
    return [t for t in request.args.get("tags", "").split(",") if t]


def _value_json(hmi: Any, tag: str) -> dict[str, Any]:
    snap = hmi.services.snapshot()
    v = snap.values[tag]
    ref = hmi.services.plant.point_by_tag.get(tag)
    return {
        "tag": tag,
        "value": v.value,
        "text": fmt_value(v, ref.point.unit if ref else ""),
        "unit": ref.point.unit if ref else "",
        "quality": quality_name(v.quality),
        "quality_code": v.quality,
        "source_time": v.source_time,
        "server_time": v.server_time,
        "out_of_service": tag in snap.out_of_service,  # an approved 停用报备 declaration runs for the point
    }


def _time(name: str, default: float) -> float:
    text = request.args.get(name)
    if text is None:
        return default
    try:
        return float(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            abort(400, f"{name}: POSIX seconds or ISO 8601")
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()


def _alarm_json(a: Any) -> dict[str, Any]:
    return {
        "id": a.alarm_id,
        "enterprise": a.alarm.enterprise,
        "hazard_source": a.alarm.hazard_source,
        "source": a.alarm.source,
        "kind": a.alarm.kind,
        "priority": a.priority,
        "state": a.isa,
        "level": a.state.level,
        "acknowledged": a.state.acked,
        "shelved": a.state.shelved is not None,
        "out_of_service": a.state.out_of_service,  # the declaration ("decl:<id>") or None
        "message": a.message,
        "since": a.since,
    }


def build_routes(hmi: Any) -> list[Route]:
    services = hmi.services

    def me() -> Any:
        s = current_scope()
        a = current_user.account
        return jsonify(
            {
                "user": a.username,
                "role": a.role,
                "tier": s.tier,
                "scope": s.code,
                "enterprises": s.sorted(),
                "csrf_token": current_user.csrf,
            }
        )

    def enterprises() -> Any:
        s = current_scope()
        snap = services.snapshot()
        levels = services.warning_levels(snap)
        out = []
        for f in services.plant.enterprises:
            e = f.enterprise
            if s.has(e.code):
                summary = snap.enterprises.get(e.code)
                out.append(
                    {
                        "code": e.code,
                        "name": e.name,
                        "district": e.district,
                        "park": e.park,
                        "warning": levels.get(e.code),
                        "alarms": summary.alarms if summary else {},
                        "gateway_online": summary.gateway_online if summary else None,
                    }
                )
        return jsonify(out)

    def values() -> Any:
        s = current_scope()
        tags = _tags_param()
        ent = request.args.get("enterprise")
        if tags:
            s.require_tags(tags)
        elif ent:
            s.require(ent)
            tags = [p.tag for p in services.plant.points if p.enterprise.code == ent]
        else:
            tags = [p.tag for p in services.plant.points if s.has(p.enterprise.code)]
        snap = services.snapshot()
        return jsonify([_value_json(hmi, t) for t in tags if t in snap.values])

    def history() -> Any:
        s = current_scope()
        tags = s.require_tags(_tags_param())
        if not tags or len(tags) > MAX_HISTORY_TAGS:
            abort(400, f"tags: 1 to {MAX_HISTORY_TAGS} comma-separated tags")
        historian = services.historian
        if historian is None:
            abort(503, "historian not running")
        end = _time("end", services.clock())
        start = _time("start", end - 3600)
        if request.args.get("mode") == "raw":
            rows = [{"tag": r.tag, "t": r.t / 1e6, "value": r.value, "quality": r.quality} for r in historian.raw(tags, start, end)]
            return jsonify({"mode": "raw", "rows": rows[:100_000]})
        max_points = min(int(request.args.get("max_points", 1000)), 10_000)
        buckets = [
            {"tag": b.tag, "t": b.t / 1e6, "mean": b.mean, "min": b.min, "max": b.max, "last": b.last, "count": b.count}
            for b in historian.aggregate(tags, start, end, max_points=max_points)
        ]
        return jsonify({"mode": "aggregate", "buckets": buckets})

    def alarms() -> Any:
        s = current_scope()
        ent = request.args.get("enterprise")
        if ent:
            s.require(ent)
        prio, state = request.args.get("priority"), request.args.get("state")
        out = [
            _alarm_json(a)
            for a in services.snapshot().alarms
            if s.has(a.alarm.enterprise)
            and (not ent or a.alarm.enterprise == ent)
            and (not prio or a.priority == prio)
            and (not state or a.isa == state)
        ]
        return jsonify(out)

    def visible_alarm(alarm_id: str) -> Any:
        s = current_scope()
        if "." in alarm_id.split(":", 1)[0] and not s.has(enterprise_of(alarm_id)):
            abort(403)
        for a in services.snapshot().alarms:
            if a.alarm_id == alarm_id:
                if not s.has(a.alarm.enterprise):
                    abort(403)
                return a
        abort(404, "no such active alarm")

    def act(alarm_id: str, permission: str, action: str, **kwargs: Any) -> Any:
        visible_alarm(alarm_id)
        if not current_user.can(permission):
            abort(403, "your role may not do this")
        try:
            services.alarm_action(current_user.account.username, action, alarm_id, **kwargs)
        except AlarmError as exc:
            return jsonify({"error": str(exc)}), 409
        a = next((x for x in services.snapshot().alarms if x.alarm_id == alarm_id), None)
        return jsonify(_alarm_json(a) if a else {"id": alarm_id, "state": "normal"})

    def ack(alarm_id: str) -> Any:
        body = request.get_json(silent=True) or {}
        return act(alarm_id, "alarm.ack", "acknowledge", note=str(body.get("note", "")))

    def shelve(alarm_id: str) -> Any:
        body = request.get_json(silent=True) or {}
        try:
            duration = float(body.get("duration_s", 3600))
        except (TypeError, ValueError):
            abort(400, "duration_s: seconds")
        return act(alarm_id, "alarm.shelve", "shelve", reason=str(body.get("reason", "")), duration_s=duration)

    def journal() -> Any:
        from hmi.pages.journal import search

        s = current_scope()
        ent = request.args.get("enterprise")
        if ent:
            s.require(ent)
        rows = search(
            hmi,
            current_user,
            ent,
            request.args.get("source"),
            request.args.get("priority"),
            request.args.get("state"),
            float(request.args.get("hours", 24)),
        )
        return jsonify([{k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in r.items()} for r in rows])

    def export() -> Any:
        from hmi.pages.trends import export_bytes

        s = current_scope()
        tags = s.require_tags(_tags_param())
        if not tags or len(tags) > MAX_HISTORY_TAGS or services.historian is None:
            abort(400, f"tags: 1 to {MAX_HISTORY_TAGS} comma-separated tags (and a running historian)")
        end = _time("end", services.clock())
        start = _time("start", end - 3600)
        fmt = "xlsx" if request.args.get("format") == "xlsx" else "csv"
        mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" if fmt == "xlsx" else "text/csv; charset=utf-8"
        return Response(
            export_bytes(hmi, tags, start, end, fmt), mimetype=mime, headers={"Content-Disposition": f"attachment; filename=trend.{fmt}"}
        )

    return [
        Route(
            "GET", "/me", "the signed-in user, role and scope (and the CSRF token for writes)", me, probes=(("GET", "/api/v1/me", None),)
        ),
        Route(
            "GET",
            "/enterprises",
            "enterprises in scope with warning level, alarm counts, gateway status",
            enterprises,
            probes=(("GET", "/api/v1/enterprises", None),),
        ),
        Route(
            "GET",
            "/values",
            "current values (value, unit, quality, source and server time, out of service)",
            values,
            (("tags", "comma-separated tags"), ("enterprise", "all points of one enterprise")),
            probes=(("GET", "/api/v1/values?enterprise={E}", None), ("GET", "/api/v1/values?tags={TAG}", None)),
        ),
        Route(
            "GET",
            "/history",
            "history of up to 20 tags: aggregated per interval (default) or raw (mode=raw)",
            history,
            (
                ("tags", "comma-separated tags"),
                ("start", "POSIX s or ISO 8601"),
                ("end", "POSIX s or ISO 8601"),
                ("max_points", "intervals"),
                ("mode", "raw or aggregate"),
            ),
            probes=(("GET", "/api/v1/history?tags={TAG}", None), ("GET", "/api/v1/history?tags={TAG}&mode=raw", None)),
        ),
        Route(
            "GET",
            "/alarms",
            "active alarms sorted by priority and time",
            alarms,
            (("enterprise", "one enterprise"), ("priority", "critical, high, medium, low"), ("state", "ISA-18.2 state")),
            probes=(("GET", "/api/v1/alarms?enterprise={E}", None),),
        ),
        Route(
            "POST",
            "/alarms/<path:alarm_id>/ack",
            "acknowledge an alarm (a note is required for the two highest priorities)",
            ack,
            body={"note": "string"},
            probes=(("POST", "/api/v1/alarms/{ALARM}/ack", {"note": "probe"}),),
        ),
        Route(
            "POST",
            "/alarms/<path:alarm_id>/shelve",
            "shelve an alarm with a reason for duration_s seconds",
            shelve,
            body={"reason": "string", "duration_s": "number"},
            probes=(("POST", "/api/v1/alarms/{ALARM}/shelve", {"reason": "probe", "duration_s": 60}),),
        ),
        Route(
            "GET",
            "/journal",
            "alarm journal rows",
            journal,
            (("enterprise", "one enterprise"), ("source", "tag or prefix*"), ("priority", ""), ("state", ""), ("hours", "window [24]")),
            probes=(("GET", "/api/v1/journal?enterprise={E}", None), ("GET", "/api/v1/journal?source={E}.*", None)),
        ),
        Route(
            "GET",
            "/export",
            "trend export as CSV or xlsx",
            export,
            (("tags", "comma-separated tags"), ("start", ""), ("end", ""), ("format", "csv or xlsx")),
            probes=(("GET", "/api/v1/export?tags={TAG}", None),),
        ),
    ]


def openapi(routes: list[Route]) -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/api/v1/session": {
            "post": {"summary": "sign in: {username, password} → csrf_token; the session cookie authenticates later calls"},
            "delete": {"summary": "sign out (X-CSRF-Token header)"},
        }
    }
    for r in routes:
        path = "/api/v1" + r.path.replace("<path:alarm_id>", "{alarm_id}")
        op: dict[str, Any] = {
            "summary": r.summary,
            "parameters": [{"name": n, "in": "query", "description": d, "schema": {"type": "string"}} for n, d in r.params],
            "responses": {
                "200": {"description": "OK"},
                "401": {"description": "not signed in"},
                "403": {"description": "outside your scope or role"},
            },
        }
        if "{alarm_id}" in path:
            op["parameters"].append({"name": "alarm_id", "in": "path", "required": True, "schema": {"type": "string"}})
        if r.body:
            op["requestBody"] = {
                "content": {"application/json": {"schema": {"type": "object", "properties": {k: {"type": v} for k, v in r.body.items()}}}}
            }
            op["parameters"].append({"name": "X-CSRF-Token", "in": "header", "required": True, "schema": {"type": "string"}})
        paths.setdefault(path, {})[r.method.lower()] = op
    return {
        "openapi": "3.1.0",
        "info": {"title": "危险化学品安全风险监测预警 SCADA API", "version": "1"},
        "components": {"securitySchemes": {"session": {"type": "apiKey", "in": "cookie", "name": "hmi_session"}}},
        "security": [{"session": []}],
        "paths": paths,
    }


def register(hmi: Any) -> None:
    routes = build_routes(hmi)
    spec = openapi(routes)
    for r in routes:
        view = r.handler
        view.hmi_probes = list(r.probes)  # type: ignore[attr-defined]
        hmi.server.add_url_rule("/api/v1" + r.path, f"api_{r.handler.__name__}", view, methods=[r.method])

    def openapi_json() -> Any:
        return jsonify(spec)

    hmi.server.add_url_rule("/api/v1/openapi.json", "api_openapi", openapi_json)

    @hmi.server.errorhandler(403)
    @hmi.server.errorhandler(400)
    @hmi.server.errorhandler(404)
    @hmi.server.errorhandler(401)
    def json_errors(exc: Any) -> Any:
        if request.path.startswith("/api/"):
            return jsonify({"error": getattr(exc, "description", str(exc))}), exc.code
        return exc
