"""Password policy, hashing, lockout and session expiry — with the clock under the test's control."""

from __future__ import annotations

import pytest
from hmi_rig import PASSWORD, Env, csrf, login

from hmi.passwords import PasswordPolicyError, check_policy, generate_password, hash_password, verify_password
from hmi.users import LOCKOUT_S, MAX_FAILURES, UserError, create_demo_users, demo_accounts, read_demo_users


@pytest.mark.parametrize(
    ("password", "missing"),
    [
        ("Ab1!", "at least 10"),
        ("abcdefghij!", "digit"),
        ("1234567890!", "letter"),
        ("abcdef12345", "symbol"),
        ("xe01-op#2026", "user name"),
    ],
)
def test_password_policy_names_what_is_missing(password: str, missing: str) -> None:
    with pytest.raises(PasswordPolicyError, match=missing):
        check_policy(password, "e01-op" if "user name" in missing else "")


def test_policy_accepts_a_good_password_and_generated_ones() -> None:
    check_policy("Tank#level2026", "e01")
    for _ in range(20):
        check_policy(generate_password())


def test_scrypt_hash_is_salted_and_verifies() -> None:
    a, b = hash_password(PASSWORD), hash_password(PASSWORD)
    assert a != b and a.startswith("scrypt$16384$8$1$")
    assert verify_password(PASSWORD, a) and not verify_password(PASSWORD + "x", a)
    assert not verify_password(PASSWORD, "md5$abc")


def test_weak_passwords_and_bad_roles_are_refused(env: Env) -> None:
    with pytest.raises(PasswordPolicyError):
        env.hmi.users.create("weak", "password", "viewer", "city", "BJ")
    with pytest.raises(UserError, match="role"):
        env.hmi.users.create("x", PASSWORD, "god", "city", "BJ")


def test_lockout_after_repeated_failures_and_its_expiry(env: Env) -> None:
    client = env.client()
    for _ in range(MAX_FAILURES - 1):
        assert login(client, "e01", "Wrong#pass2026").status_code == 401
    r = login(client, "e01", "Wrong#pass2026")
    assert "锁定" in r.get_data(as_text=True)
    # Locked: even the right password is refused until the lockout ends.
    assert login(client, "e01").status_code == 401
    env.clock.t += LOCKOUT_S - 1
    assert login(client, "e01").status_code == 401
    env.clock.t += 2
    assert login(client, "e01").status_code == 302
    assert client.get("/api/v1/me").json["user"] == "e01"


def test_api_sign_in_reports_lockout(env: Env) -> None:
    client = env.client()
    for _ in range(MAX_FAILURES):
        client.post("/api/v1/session", json={"username": "e02", "password": "nope"})
    assert client.post("/api/v1/session", json={"username": "e02", "password": PASSWORD}).status_code == 423


def test_session_expires_after_idle_time_but_not_while_used(env: Env) -> None:
    client = env.client("e01")
    timeout = env.hmi.sessions.timeout_s
    for _ in range(3):  # user activity keeps it alive
        env.clock.t += timeout - 10
        assert client.get("/api/v1/me").status_code == 200
    # Live polling alone is not activity: the session ends after the idle time.
    poll = {
        "output": "live.data",
        "outputs": {"id": "live", "property": "data"},
        "changedPropIds": ["tick.n_intervals"],
        "inputs": [{"id": "tick", "property": "n_intervals", "value": 1}, {"id": "page-ready", "property": "data", "value": 1.0}],
        "state": [{"id": "url", "property": "pathname", "value": "/"}, {"id": "url", "property": "search", "value": ""}],
    }
    token = csrf(client)
    env.clock.t += timeout - 10
    assert client.post("/_dash-update-component", json=poll, headers={"X-CSRFToken": token}).status_code == 200
    env.clock.t += 20
    assert client.get("/api/v1/me").status_code == 401
    assert "超时" in client.get("/login").get_data(as_text=True) or client.get("/").status_code == 302


def test_sign_out_ends_the_session_on_the_server(env: Env) -> None:
    client = env.client("e01")
    cookie = client.get_cookie("hmi_session").value
    assert client.post("/logout", data={"csrf": csrf(client)}).status_code == 302
    replay = env.client()
    replay.set_cookie("hmi_session", cookie)
    assert replay.get("/api/v1/me").status_code == 401  # a copied cookie is worthless after sign-out


def test_sign_in_redirects_only_inside_the_site(env: Env) -> None:
    client = env.client()
    page = client.get("/login?next=//evil.example/x").get_data(as_text=True)
    assert 'name="next" value="/"' in page


def test_demo_users_cover_every_tier_node_once(env: Env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import delete

    from scada.store.tables import hmi_users

    with env.services.engine.begin() as conn:
        conn.execute(delete(hmi_users))
    path = tmp_path / "demo-users.txt"
    created = create_demo_users(env.hmi.users, env.services.plant, path)
    plant = env.services.plant
    assert len(created) == len(demo_accounts(plant)) == 2 + len(plant.site.districts) + len(plant.site.parks) + len(plant.enterprises) + 2
    assert read_demo_users(path) == dict(created) and oct(path.stat().st_mode)[-3:] == "600"
    assert create_demo_users(env.hmi.users, plant, path) == []  # printed once: never again
    client = env.client()
    assert login(client, "e05-operator", dict(created)["e05-operator"]).status_code == 302
