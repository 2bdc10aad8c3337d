"""Engineering screens and REST API ``/api/v1/engineering`` (Flask blueprint on the HMI).

Every route requires a signed-in engineer and applies the user's scope on the server; the workflow
rules (who submits, who reviews, what takes effect) are all in ``engineering.changes`` — this module
only translates HTTP. There is no route that writes the configuration except an approval.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request
from flask_login import current_user

from engineering.changes import Changes, Engineer, ReviewError
from engineering.edits import POINT_FIELDS
from engineering.reload import LiveApplier
from engineering.sheets import export_csv, export_xlsx, import_sheet, row_of, select_points
from engineering.ui import PAGE
from engineering.versions import Versions

PREFIX = "/api/v1/engineering"


def engineer() -> Engineer:
    user = current_user
    if not getattr(user, "is_authenticated", False):
        abort(401)
    if user.account.role != "engineer":
        abort(403, "engineers only 仅工程师")
    s = user.scope
    return Engineer(user.account.username, user.account.role, s.tier, s.code, s.enterprises)


def _error(exc: ReviewError) -> tuple[Response, int]:
    return jsonify({"error": exc.message, "errors": exc.errors}), exc.status


def blueprint(changes: Changes, plant_of: Any) -> Blueprint:
    bp = Blueprint("engineering", __name__)

    @bp.errorhandler(ReviewError)
    def review_error(exc: ReviewError):  # type: ignore[no-untyped-def]
        return _error(exc)

    @bp.get("/engineering/")
    def page():  # type: ignore[no-untyped-def]
        who = engineer()
        return Response(PAGE.replace("{{csrf}}", current_user.csrf).replace("{{who}}", f"{who.username} · {who.tier}:{who.scope_code}"))

    @bp.get(f"{PREFIX}/plant")
    def plant():  # type: ignore[no-untyped-def]
        """The plant model in the user's scope: enterprise → hazard source → equipment → points (editable fields)."""
        who = engineer()
        p = plant_of()
        out = []
        for ent in p.enterprises:
            code = ent.enterprise.code
            if code not in who.enterprises:
                continue
            sources = []
            for hs in ent.hazard_sources:
                eqs = [
                    {"code": eq.code, "name": eq.name, "points": [row_of(r) for r in select_points(p, code, hs.code, eq.code)]}
                    for eq in hs.equipment
                ]
                sources.append({"code": hs.code, "name": hs.name, "equipment": eqs})
            out.append({"code": code, "name": ent.enterprise.name, "district": ent.enterprise.district, "hazard_sources": sources})
        return jsonify({"enterprises": out, "fields": list(POINT_FIELDS), "who": who.__dict__ | {"enterprises": sorted(who.enterprises)}})

    @bp.post(f"{PREFIX}/preview")
    def preview():  # type: ignore[no-untyped-def]
        who = engineer()
        ops = (request.get_json(silent=True) or {}).get("ops") or []
        _ops_in_scope(who, ops, plant_of())
        pv = changes.preview(ops)
        return jsonify({"ok": pv.ok, "errors": pv.errors, "diff": pv.diff, "enterprises": sorted(pv.enterprises)})

    @bp.get(f"{PREFIX}/changes")
    def list_changes():  # type: ignore[no-untyped-def]
        return jsonify(changes.visible(engineer(), request.args.get("status") or None))

    @bp.post(f"{PREFIX}/changes")
    def submit():  # type: ignore[no-untyped-def]
        who = engineer()
        body = request.get_json(silent=True) or {}
        ops = body.get("ops") or []
        _ops_in_scope(who, ops, plant_of())
        return jsonify(changes.submit(who, str(body.get("kind", "edit")), ops, str(body.get("reason", "")))), 201

    @bp.get(f"{PREFIX}/changes/<int:cid>")
    def get_change(cid: int):  # type: ignore[no-untyped-def]
        return jsonify(changes.get(engineer(), cid))

    @bp.post(f"{PREFIX}/changes/<int:cid>/<action>")
    def act(cid: int, action: str):  # type: ignore[no-untyped-def]
        who = engineer()
        note = str((request.get_json(silent=True) or {}).get("note", ""))
        if action == "approve":
            return jsonify(changes.approve(who, cid, note))
        if action == "reject":
            return jsonify(changes.reject(who, cid, note))
        if action == "withdraw":
            return jsonify(changes.withdraw(who, cid))
        abort(404)

    @bp.get(f"{PREFIX}/versions")
    def versions():  # type: ignore[no-untyped-def]
        engineer()
        return jsonify([v.summary() for v in changes.versions.list()])

    @bp.get(f"{PREFIX}/versions/<int:vid>")
    def version(vid: int):  # type: ignore[no-untyped-def]
        engineer()
        v = changes.versions.get(vid)
        if v is None:
            abort(404)
        return jsonify({**v.summary(), "diff": v.diff, "files": sorted(v.files)})

    @bp.get(f"{PREFIX}/export")
    def export():  # type: ignore[no-untyped-def]
        who = engineer()
        ent = request.args.get("e", "")
        if ent not in who.enterprises:
            abort(403, "outside your scope 超出权限范围")
        refs = select_points(plant_of(), ent, request.args.get("hs") or None, request.args.get("eq") or None)
        fmt = request.args.get("format", "xlsx")
        name = "-".join(x for x in (ent, request.args.get("hs"), request.args.get("eq")) if x) + f"-points.{fmt}"
        if fmt == "csv":
            data, mime = export_csv(refs), "text/csv"
        else:
            data, mime = export_xlsx(refs), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return Response(data, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @bp.post(f"{PREFIX}/import")
    def import_():  # type: ignore[no-untyped-def]
        """Check an edited sheet; with ``reason`` (and no errors) submit its edits for review."""
        who = engineer()
        upload = request.files.get("file")
        if upload is None:
            abort(400, "send the sheet as the multipart field 'file'")
        name = Path(upload.filename or "points.xlsx").name
        result = import_sheet(plant_of(), name, upload.read())
        out: dict[str, Any] = {"rows": result.rows, "errors": result.errors, "changes": result.changes, "ops": result.ops}
        if result.errors or not result.ops:
            return jsonify(out), (422 if result.errors else 200)
        _ops_in_scope(who, result.ops, plant_of())
        pv = changes.preview(result.ops)
        out |= {"diff": pv.diff, "errors": pv.errors}
        reason = request.form.get("reason", "")
        if pv.ok and reason.strip():
            out["change"] = changes.submit(who, "sheet", result.ops, reason)
        return jsonify(out), (422 if pv.errors else 200)

    return bp


def _ops_in_scope(who: Engineer, ops: Any, plant: Any) -> None:
    """A point outside the user's scope is refused before anything is computed for it (not even a preview)."""
    if not isinstance(ops, list):
        raise ReviewError(422, "ops must be a list")
    for op in ops:
        if isinstance(op, dict) and op.get("op") == "point":
            ref = plant.point_by_tag.get(str(op.get("tag")))
            if ref is not None and ref.enterprise.code not in who.enterprises:
                raise ReviewError(403, "outside your scope 超出权限范围")


def register(hmi: Any, changes: Changes) -> None:
    from hmi.registry import Page

    hmi.server.register_blueprint(blueprint(changes, lambda: hmi.services.plant))
    hmi.pages.add(Page("/engineering", "nav.engineering", order=90, href="/engineering/"))


def extension(sup: Any) -> Any:
    """The running server's registration: approvals apply through ``LiveApplier`` (files, check, switch, version)."""

    def extend(hmi: Any) -> None:
        applier = LiveApplier(sup, hmi.services.loop)
        changes = Changes(sup.engine, Path(sup.settings.config_dir), lambda: sup.plant, applier, Versions(sup.engine, sup.clock), sup.clock)
        register(hmi, changes)

    return extend
