"""The REST blueprint mounted in a Flask app whose hook supplies the caller, as the HMI will."""

from __future__ import annotations

import base64
import io
import re

import pytest
from flask import Flask
from risk_rig import T0, H

from risk.scope import Caller, Scope
from risk.service import RiskService
from risk.web import PREFIX, ROUTES, blueprint


@pytest.fixture
def client(service: RiskService):  # type: ignore[no-untyped-def]
    app = Flask("test")
    who: dict[str, Caller | None] = {"caller": None}
    app.register_blueprint(blueprint(service.api, lambda: who["caller"]))
    c = app.test_client()
    c.who = who  # type: ignore[attr-defined]
    return c


def as_(client, scope: str, user: str = "user") -> None:  # type: ignore[no-untyped-def]
    client.who["caller"] = Caller(Scope.parse(scope), user)


def test_warning_lifecycle_over_rest(client, service: RiskService) -> None:  # type: ignore[no-untyped-def]
    assert client.get(PREFIX).status_code == 401
    (wid,) = service.workflow.apply_level("E01", "red", T0)
    as_(client, "district:DX")
    assert client.get(PREFIX).get_json() == []
    assert client.get(f"{PREFIX}/{wid}").status_code == 404
    as_(client, "park:YS")
    (row,) = client.get(PREFIX, query_string={"status": "open", "colour": "red"}).get_json()
    assert (row["id"], row["enterprise"], row["name"]) == (wid, "E01", "燕山石化储运有限公司")
    assert client.get(PREFIX, query_string={"colour": "yellow"}).get_json() == []
    assert client.get(PREFIX, query_string={"since": "yesterday"}).status_code == 400
    feed = client.get(f"{PREFIX}/feed", query_string={"unseen": 1}).get_json()
    assert [(f["kind"], f["sound"]) for f in feed] == [("warning", True)]
    assert client.post(f"{PREFIX}/feed/seen", json={"ids": [feed[0]["id"]]}).get_json() == {"seen": 1}
    assert client.get(f"{PREFIX}/feed", query_string={"unseen": 1}).get_json() == []
    assert client.post(f"{PREFIX}/{wid}/feedback", json={"kind": "verification", "text": "x"}).status_code == 403

    as_(client, "enterprise:E01", "张建国")
    photo = base64.b64encode(b"PNG...").decode()
    r = client.post(
        f"{PREFIX}/{wid}/feedback",
        json={
            "kind": "verification",
            "text": "压力表故障",
            "attachments": [{"name": "表.png", "content_type": "image/png", "data": photo}],
        },
    )
    assert r.status_code == 201
    r = client.post(
        f"{PREFIX}/{wid}/feedback",
        data={"kind": "handling", "text": "已更换压力表", "files": (io.BytesIO(b"%PDF-1.4"), "记录.pdf", "application/pdf")},
        content_type="multipart/form-data",
    )
    assert r.status_code == 201
    w = client.get(f"{PREFIX}/{wid}").get_json()
    assert [(f["kind"], f["by"], f["reported_to"]) for f in w["feedback"]] == [
        ("verification", "张建国", ["city:BJ", "district:FS"]),
        ("handling", "张建国", ["city:BJ", "district:FS"]),
    ]
    pdf = w["feedback"][1]["attachments"][0]
    got = client.get(f"{PREFIX}/attachments/{pdf['id']}")
    assert (got.data, got.mimetype) == (b"%PDF-1.4", "application/pdf")
    assert "filename*=UTF-8''%E8%AE%B0%E5%BD%95.pdf" in got.headers["Content-Disposition"]
    assert [e["kind"] for e in w["timeline"]].count("reported") == 4

    service.clock.t = T0 + H  # type: ignore[attr-defined]
    service.workflow.tick()
    as_(client, "district:FS", "区值班员")
    (notice,) = client.get(f"{PREFIX}/notices", query_string={"unread": 1}).get_json()
    assert (notice["issuer"], notice["recipient"]) == ("city:BJ", "district:FS")
    assert client.post(f"{PREFIX}/notices/{notice['id']}/read").get_json() == {"ok": True}
    assert client.get(f"{PREFIX}/notices", query_string={"unread": 1}).get_json() == []
    tasks = client.get(f"{PREFIX}/tasks").get_json()
    assert {t["kind"] for t in tasks} == {"remote_verify", "inspection", "enforcement"}
    inspection = next(t for t in tasks if t["kind"] == "inspection")
    assert client.post(f"{PREFIX}/tasks/{inspection['id']}/done", json={"note": "已现场核查"}).get_json() == {"ok": True}
    assert {t["kind"] for t in client.get(f"{PREFIX}/tasks").get_json()} == {"remote_verify", "enforcement"}
    assert len(client.get(f"{PREFIX}/tasks", query_string={"status": "all"}).get_json()) == 3
    r = client.post(f"{PREFIX}/{wid}/notices", json={"recipient": "enterprise:E01", "title": "督办", "text": "请于今日整改到位"})
    assert r.status_code == 201
    assert client.post(f"{PREFIX}/{wid}/notices", json={"recipient": "city:BJ", "title": "x", "text": "x"}).status_code == 403


def test_levels_and_evaluations(client, service: RiskService) -> None:  # type: ignore[no-untyped-def]
    service.evaluate()
    as_(client, "park:YS")
    assert [(r["enterprise"], r["level"]) for r in client.get(f"{PREFIX}/levels").get_json()] == [("E01", "blue"), ("E02", "blue")]
    (ev,) = client.get(f"{PREFIX}/evaluations/E01").get_json()
    assert ev["breakdown"]["cell"] == ["一级", 1] and len(ev["breakdown"]["indicators"]) == 5
    assert client.get(f"{PREFIX}/evaluations/E03").status_code == 404


def test_every_route_is_in_the_table_and_documented(client) -> None:  # type: ignore[no-untyped-def]
    from pathlib import Path

    app = client.application
    registered = {
        (m, re.sub(r"<int:\w+>", "<id>", r.rule.removeprefix(PREFIX)))
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("warnings.")
        for m in r.methods - {"HEAD", "OPTIONS"}
    }
    assert registered == {(m, p) for m, p, _ in ROUTES}
    docs = (Path(__file__).resolve().parents[2] / "docs" / "operation.md").read_text(encoding="utf-8")
    for method, path, _ in ROUTES:
        assert f"`{method} {PREFIX}{path}`" in docs, f"{method} {path} is not documented in docs/operation.md"
