"""REST routes through the real HMI app: every state-changing route leaves exactly one audit record."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hmi_rig import csrf, make_env
from sqlalchemy import func, select

from scada.store.tables import audit_events

GOV = "/api/v1/governance"
# Every unsafe route of governance, with a request (URL, user, JSON); a new route without one fails the test.
REQUESTS = {
    f"{GOV}/commitments": [(f"{GOV}/commitments", "e01", {"signer": "张三", "text": "承诺"})],
    f"{GOV}/declarations": [
        (f"{GOV}/declarations", "e01", {"devices": ["PLC1"], "reason": "检修", "start": 1_790_000_100, "end": 1_790_009_000})
    ],
    f"{GOV}/declarations/<int:declaration_id>/review": [(f"{GOV}/declarations/1/review", "fs", {"approve": True, "note": "ok"})],
    f"{GOV}/declarations/<int:declaration_id>/withdraw": [(f"{GOV}/declarations/1/withdraw", "e01", {})],
    f"{GOV}/accounts/requests": [(f"{GOV}/accounts/requests", "e01", {"username": "x"})],
    f"{GOV}/accounts/requests/<int:request_id>/steps": [(f"{GOV}/accounts/requests/1/steps", "fs", {"step": "district", "approve": True})],
    f"{GOV}/accounts/password": [(f"{GOV}/accounts/password", "viewer", {"old": "wrong", "new": "x"})],
    f"{GOV}/maintenance/notices": [
        (f"{GOV}/maintenance/notices", "city", {"title": "t", "text": "x", "start": 1_791_000_000, "end": 1_791_003_600})
    ],
    f"{GOV}/maintenance/notices/<int:notice_id>/read": [(f"{GOV}/maintenance/notices/1/read", "e01", {})],
    f"{GOV}/problems": [(f"{GOV}/problems", "fs", {"title": "t", "text": "x"})],
    f"{GOV}/problems/<int:problem_id>/answer": [(f"{GOV}/problems/1/answer", "city", {"status": "resolved", "response": "ok"})],
    f"{GOV}/reports": [(f"{GOV}/reports", "fs", {"unit": "district:FS", "month": "2026-09", "format": "xlsx"})],
    "/governance/password": [],  # a form post, covered by the password test below
}
EXPORTS = [(f"{GOV}/reports/1/file", "fs"), (f"{GOV}/audit.csv?action=report.*", "city")]


@pytest.fixture
def env(tmp_path: Path) -> Iterator:  # type: ignore[no-untyped-def]
    yield from make_env(tmp_path)


def audit_count(env) -> int:  # type: ignore[no-untyped-def]
    with env.services.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(audit_events)).scalar_one())


def test_every_state_changing_route_leaves_exactly_one_audit_record(env) -> None:
    unsafe = {
        r.rule
        for r in env.hmi.server.url_map.iter_rules()
        if (r.rule.startswith((GOV, "/governance"))) and r.methods & {"POST", "PUT", "PATCH", "DELETE"}
    }
    assert unsafe == set(REQUESTS), f"routes without an audit check: {unsafe ^ set(REQUESTS)}"
    clients = {}
    for rule, requests in REQUESTS.items():
        for url, user, body in requests:
            c = clients.get(user) or clients.setdefault(user, env.client(user))
            before = audit_count(env)
            resp = c.post(url, json=body, headers={"X-CSRFToken": csrf(c)})
            assert resp.status_code < 500, (rule, resp.get_data(as_text=True))
            assert audit_count(env) == before + 1, (rule, resp.status_code, resp.get_json())
    for url, user in EXPORTS:
        before = audit_count(env)
        assert clients[user].get(url).status_code == 200, url
        assert audit_count(env) == before + 1, url


def test_a_forced_password_change_holds_every_request(env) -> None:
    gov = env.hmi.server.extensions["governance"]
    password = gov.accounts.create_admin("fs-admin", "district", "FS")
    c = env.hmi.server.test_client()
    from hmi_rig import login

    login(c, "fs-admin", password)
    assert c.get(f"{GOV}/declarations").status_code == 403
    assert c.get("/").headers["Location"].endswith("/governance/password")
    before = audit_count(env)
    resp = c.post("/governance/password", data={"old": password, "new": "Fresh#pass2026", "csrf": csrf(c)})
    assert resp.status_code == 302 and audit_count(env) == before + 1
    assert c.get(f"{GOV}/declarations").status_code == 200
