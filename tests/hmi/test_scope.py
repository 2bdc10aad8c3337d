"""Scope, systematically: every API route and every server callback the app has, asked by a user of
enterprise E01 for enterprise E02's data, answers 403 or nothing of E02 — and changes nothing.

Routes and callbacks are enumerated from the app itself (Flask's URL map, Dash's callback map), and
each must carry probes, so a new one cannot escape. Each probe is also replayed by a user whose
scope includes E02, and must then return E02's data: the probes really aim at it. That user is the
district's ("fs") unless a route names another in ``hmi_probe_control`` (None: no user's answer names
E02 as text). Id-addressed routes are aimed at E02's records, filed by ``hmi_rig.seed_foreign``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest
from hmi_rig import PASSWORD, Env, csrf, dash_post, seed_foreign
from sqlalchemy import select

from scada.store.tables import metadata

FOREIGN = {"E": "E02", "HS": "E02-HS1", "TAG": "E02.A101.LT"}
ACTIONS = ("al-ack-msg", "al-shelve-msg")  # callbacks that change alarm state
EXEMPT_ROUTES = {"/api/v1/openapi.json", "/api/v1/session"}  # the public description; signing in itself
ROUTE_PREFIXES = ("/api/", "/hmi/", "/governance/", "/warnings/")  # the REST API and the server-rendered pages
STORES = ("gov_", "risk_")  # tables of governance and the warning workflow (the audit trail records refusals)


def fill(value: Any, alarm: str, records: dict[str, Any] | None = None) -> Any:
    if isinstance(value, str):
        names = {**FOREIGN, "ALARM": alarm, **(records or {})}
        if value.startswith("{") and value.endswith("}") and isinstance(names.get(value[1:-1]), int):
            return names[value[1:-1]]  # a record id in a JSON body
        for k, v in names.items():
            value = value.replace("{" + k + "}", str(v))
        return value
    if isinstance(value, list):
        return [fill(v, alarm, records) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, alarm, records) for k, v in value.items()}
    return value


def dash_body(key: str, spec: dict[str, Any], probe: dict[str, Any], alarm: str) -> dict[str, Any]:
    """A renderer-shaped request for one callback: probe values for the named props, None elsewhere."""
    probe = fill(probe, alarm)

    def prop(d: dict[str, Any]) -> dict[str, Any]:
        key = f"{d['id']}.{d['property']}"
        return {"id": d["id"], "property": d["property"], "value": probe.get(key)}

    outputs = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in key.strip(".").split("...")]
    changed = [k for k in probe if any(f"{i['id']}.{i['property']}" == k for i in spec["inputs"])] or [
        f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"
    ]
    return {
        "output": key,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": [prop(i) for i in spec["inputs"]],
        "state": [prop(s) for s in spec["state"]],
        "changedPropIds": changed,
    }


def shown_text(resp: Any) -> str:
    """The response as the user would see it: downloads (base64 inside the JSON) decoded."""
    text = resp.get_data(as_text=True)

    def walk(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if node.get("base64") and isinstance(node.get("content"), str):
                yield base64.b64decode(node["content"]).decode("utf-8", "replace")
            for v in node.values():
                yield from walk(v)
        elif isinstance(node, list):
            for v in node:
                yield from walk(v)

    try:
        return text + "".join(walk(json.loads(text)))
    except ValueError:
        return text


def callbacks(env: Env) -> list[tuple[str, dict[str, Any]]]:
    """Every server callback (clientside ones have no server function: they run in the browser only)."""
    return [(k, spec) for k, spec in env.hmi.dash.callback_map.items() if "callback" in spec]


def api_rules(env: Env) -> list[Any]:
    return [r for r in env.hmi.server.url_map.iter_rules() if r.rule.startswith(ROUTE_PREFIXES)]


def store_state(env: Env) -> list[list[str]]:
    with env.services.engine.connect() as conn:
        return [sorted(map(repr, conn.execute(select(t)))) for name, t in sorted(metadata.tables.items()) if name.startswith(STORES)]


def alarm_state(env: Env, alarm_id: str) -> tuple[bool, bool]:
    s = env.alarms.table.state(alarm_id)
    return s.acked, s.shelved is not None


@pytest.fixture
def foreign_alarm(env: Env) -> str:
    env.raise_alarm("E01.T101.LT")
    return env.raise_alarm(FOREIGN["TAG"])


@pytest.fixture
def foreign_records(env: Env) -> dict[str, Any]:
    return seed_foreign(env, FOREIGN["E"])


def test_every_data_callback_and_api_route_declares_probes(env: Env) -> None:
    for key, spec in callbacks(env):
        assert getattr(spec["callback"], "hmi_probes", None), f"callback {key} has no scope probes (register it with Callbacks.data)"
    for rule in api_rules(env):
        if rule.rule in EXEMPT_ROUTES:
            continue
        view = env.hmi.server.view_functions[rule.endpoint]
        assert getattr(view, "hmi_probes", None), f"route {rule.rule} has no scope probes"
    assert len(callbacks(env)) >= 10 and len(api_rules(env)) >= 10


def test_callbacks_give_nothing_of_another_enterprise(env: Env, foreign_alarm: str) -> None:
    own, other = env.client("e01"), env.client("fs")  # fs: district 房山, which holds E01 and E02
    before = alarm_state(env, foreign_alarm)
    replayed, shown = 0, set()
    for key, spec in callbacks(env):
        for probe in spec["callback"].hmi_probes:
            body = dash_body(key, spec, probe, foreign_alarm)
            r = dash_post(own, body)
            assert r.status_code in (200, 204, 403), (key, probe, r.status_code)
            assert "E02" not in shown_text(r), (key, probe, shown_text(r)[:300])
            assert alarm_state(env, foreign_alarm) == before, (key, probe)
            replayed += 1
            if key.startswith(ACTIONS):
                continue  # replayed in scope below, where changing the state is the point
            seen = dash_post(other, body)
            assert seen.status_code in (200, 204), (key, probe)
            if "E02" in shown_text(seen):
                shown.add(key)
    # Every read callback's probes reach E02's data for a user who may see it; actions are checked by state below.
    assert {k for k, _ in callbacks(env) if not k.startswith(ACTIONS)} <= shown
    assert replayed >= 15


def test_actions_in_scope_do_change_state(env: Env, foreign_alarm: str) -> None:
    """The control for the action probes: a user whose scope holds E02 does acknowledge it."""
    spec = env.hmi.dash.callback_map["al-ack-msg.children"]
    body = dash_body("al-ack-msg.children", spec, spec["callback"].hmi_probes[0], foreign_alarm)
    r = dash_post(env.client("fs"), body)
    assert "1" in r.get_data(as_text=True)
    assert alarm_state(env, foreign_alarm)[0] is True


def test_api_routes_refuse_another_enterprise(env: Env, foreign_alarm: str, foreign_records: dict[str, Any]) -> None:
    own, other = env.client("e01"), env.client("fs")
    controls = {"fs": other}
    before, stored = alarm_state(env, foreign_alarm), store_state(env)
    replayed = 0
    for rule in api_rules(env):
        if rule.rule in EXEMPT_ROUTES:
            continue
        view = env.hmi.server.view_functions[rule.endpoint]
        for method, url, body in view.hmi_probes:
            url, body = fill(url, foreign_alarm, foreign_records), fill(body, foreign_alarm, foreign_records)
            r = own.open(url, method=method, json=body, headers={"X-CSRF-Token": csrf(own)})
            text = r.get_data(as_text=True)
            assert r.status_code == 403 or (r.status_code == 200 and "E02" not in text), (url, r.status_code, text[:200])
            assert alarm_state(env, foreign_alarm) == before, url
            assert store_state(env) == stored, url
            replayed += 1
            control = getattr(view, "hmi_probe_control", "fs")
            if method == "GET" and "snapshot" not in url and control is not None:
                seen = (controls.get(control) or controls.setdefault(control, env.client(control))).open(url, method=method)
                assert seen.status_code == 200 and "E02" in seen.get_data(as_text=True), (url, control, seen.status_code)
    assert replayed >= 10


def test_signed_out_requests_are_refused_everywhere(env: Env, foreign_alarm: str, foreign_records: dict[str, Any]) -> None:
    anonymous = env.client()
    for rule in api_rules(env):
        if rule.rule in EXEMPT_ROUTES:
            continue
        for method, url, body in env.hmi.server.view_functions[rule.endpoint].hmi_probes:
            assert anonymous.open(fill(url, foreign_alarm, foreign_records), method=method, json=body).status_code in (401, 302), url
    for key, spec in callbacks(env):
        body = dash_body(key, spec, spec["callback"].hmi_probes[0], foreign_alarm)
        assert anonymous.post("/_dash-update-component", json=body).status_code == 401
    assert anonymous.get("/").status_code == 302


def test_state_changes_need_the_csrf_token(env: Env, foreign_alarm: str) -> None:
    client = env.client("fs")
    r = client.post(f"/api/v1/alarms/{foreign_alarm}/ack", json={"note": "x"})
    assert r.status_code == 403
    spec = env.hmi.dash.callback_map["al-ack-msg.children"]
    r = client.post("/_dash-update-component", json=dash_body("al-ack-msg.children", spec, spec["callback"].hmi_probes[0], foreign_alarm))
    assert r.status_code == 403
    assert alarm_state(env, foreign_alarm)[0] is False
    r = client.post(f"/api/v1/alarms/{foreign_alarm}/ack", json={"note": "checked"}, headers={"X-CSRF-Token": csrf(client)})
    assert r.status_code == 200 and r.json["acknowledged"] is True


def test_a_viewer_may_read_but_not_acknowledge(env: Env, foreign_alarm: str) -> None:
    viewer = env.client("viewer")
    assert viewer.get("/api/v1/alarms?enterprise=E02").json
    r = viewer.post(f"/api/v1/alarms/{foreign_alarm}/ack", json={"note": "x"}, headers={"X-CSRF-Token": csrf(viewer)})
    assert r.status_code == 403 and alarm_state(env, foreign_alarm)[0] is False


def test_a_viewer_may_read_warnings_but_not_act_on_them(env: Env, foreign_records: dict[str, Any]) -> None:
    viewer = env.client("viewer")
    assert "E02" in viewer.get("/api/v1/warnings").get_data(as_text=True)
    r = viewer.post("/api/v1/warnings/feed/seen", json={"ids": [foreign_records["FEED"]]}, headers={"X-CSRF-Token": csrf(viewer)})
    assert r.status_code == 403


def test_a_city_account_of_another_code_sees_nothing(env: Env, foreign_records: dict[str, Any]) -> None:
    """The HMI gives it no enterprise; the warnings and governance city checks must not give it the city."""
    env.hmi.users.create("elsewhere", PASSWORD, "administrator", "city", "XX")
    client = env.client("elsewhere")
    assert client.get("/api/v1/enterprises").json == []
    for url in ("/api/v1/warnings", "/api/v1/governance/statistics/operation", "/api/v1/governance/reports", "/governance/"):
        assert client.get(url).status_code == 403, url


@pytest.mark.parametrize(("user", "expected"), [("e01", {"E01"}), ("ys", {"E01", "E02"}), ("fs", {"E01", "E02", "E08"}), ("dx", {"E03"})])
def test_each_tier_sees_its_enterprises(env: Env, user: str, expected: set[str]) -> None:
    client = env.client(user)
    assert {e["code"] for e in client.get("/api/v1/enterprises").json} == expected
    assert {v["tag"].split(".")[0] for v in client.get("/api/v1/values").json} == expected
    assert set(client.get("/api/v1/me").json["enterprises"]) == expected
