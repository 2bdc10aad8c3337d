"""HMI user accounts in the relational store: roles, tier scope, password hashes, lockout.

Blocking SQLAlchemy calls (Flask request threads). Time comes from an injected clock so lockout
and its expiry are tested without sleeping.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, insert, select, update

from hmi.passwords import check_policy, generate_password, hash_password, verify_password
from hmi.scope import TIERS
from scada.config import Plant
from scada.store.tables import hmi_users

log = logging.getLogger(__name__)

ROLES = ("administrator", "duty", "engineer", "viewer")  # 管理员 / 值班 / 工程师 / 查看
# What each role may change; reading is scoped for every role alike.
PERMISSIONS: dict[str, frozenset[str]] = {
    "administrator": frozenset({"alarm.ack", "alarm.shelve", "users.manage"}),
    "duty": frozenset({"alarm.ack", "alarm.shelve"}),
    "engineer": frozenset(),
    "viewer": frozenset(),
}
MAX_FAILURES = 5
LOCKOUT_S = 900.0


class UserError(ValueError):
    """A user cannot be created or changed as asked."""


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    username: str
    display_name: str
    role: str
    tier: str
    scope_code: str
    active: bool

    def can(self, permission: str) -> bool:
        return permission in PERMISSIONS.get(self.role, frozenset())


@dataclass(frozen=True, slots=True)
class LoginResult:
    account: Account | None
    reason: str = ""  # "bad_credentials", "locked", "" when signed in


def _account(row) -> Account:  # type: ignore[no-untyped-def]
    return Account(row.id, row.username, row.display_name, row.role, row.tier, row.scope_code, row.active)


class UserStore:
    def __init__(
        self, engine: Engine, clock: Callable[[], float] = time.time, max_failures: int = MAX_FAILURES, lockout_s: float = LOCKOUT_S
    ):
        self.engine = engine
        self.clock = clock
        self.max_failures = max_failures
        self.lockout_s = lockout_s

    def create(self, username: str, password: str, role: str, tier: str, scope_code: str, display_name: str = "") -> Account:
        if role not in ROLES:
            raise UserError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
        if tier not in TIERS:
            raise UserError(f"unknown tier {tier!r} (tiers: {', '.join(TIERS)})")
        check_policy(password, username)
        with self.engine.begin() as conn:
            if conn.execute(select(hmi_users.c.id).where(hmi_users.c.username == username)).first():
                raise UserError(f"user {username!r} exists already")
            conn.execute(
                insert(hmi_users).values(
                    username=username,
                    display_name=display_name or username,
                    password_hash=hash_password(password),
                    role=role,
                    tier=tier,
                    scope_code=scope_code,
                    failed_logins=0,
                    created_at=self.clock(),
                    active=True,
                )
            )
        account = self.get(username)
        assert account is not None
        return account

    def get(self, username: str) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(hmi_users).where(hmi_users.c.username == username)).first()
        return _account(row) if row else None

    def by_id(self, user_id: int) -> Account | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(hmi_users).where(hmi_users.c.id == user_id)).first()
        return _account(row) if row else None

    def count(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(hmi_users.c.id)).all())

    def set_password(self, username: str, password: str) -> None:
        check_policy(password, username)
        with self.engine.begin() as conn:
            conn.execute(update(hmi_users).where(hmi_users.c.username == username).values(password_hash=hash_password(password)))

    def authenticate(self, username: str, password: str) -> LoginResult:
        """Check a sign-in. ``max_failures`` wrong passwords in a row lock the account for ``lockout_s``;
        while locked even the right password is refused (and does not reveal that it was right)."""
        now = self.clock()
        with self.engine.begin() as conn:
            row = conn.execute(select(hmi_users).where(hmi_users.c.username == username)).first()
            if row is None or not row.active:
                verify_password(password, hash_password("x"))  # same cost as a real check: no user-name probing by timing
                return LoginResult(None, "bad_credentials")
            if row.locked_until is not None and now < row.locked_until:
                return LoginResult(None, "locked")
            where = hmi_users.c.id == row.id
            if not verify_password(password, row.password_hash):
                failures = row.failed_logins + 1
                locked = now + self.lockout_s if failures >= self.max_failures else None
                conn.execute(update(hmi_users).where(where).values(failed_logins=failures if locked is None else 0, locked_until=locked))
                if locked is not None:
                    log.warning("account locked after repeated failed sign-ins", extra={"ctx": {"user": username}})
                    return LoginResult(None, "locked")
                return LoginResult(None, "bad_credentials")
            conn.execute(update(hmi_users).where(where).values(failed_logins=0, locked_until=None, last_login_at=now))
        return LoginResult(_account(row))


def demo_accounts(plant: Plant) -> list[tuple[str, str, str, str, str]]:
    """(username, role, tier, code, display name) for every tier node of the plant: city, each district, each park, each enterprise."""
    out = [("admin", "administrator", "city", plant.site.city.code, f"{plant.site.city.name} 管理员")]
    out.append(("city-duty", "duty", "city", plant.site.city.code, f"{plant.site.city.name} 值班"))
    out += [(f"{d.code.lower()}-duty", "duty", "district", d.code, f"{d.name} 值班") for d in plant.site.districts]
    out += [(f"{p.code.lower()}-duty", "duty", "park", p.code, f"{p.name} 值班") for p in plant.site.parks]
    for f in plant.enterprises:
        e = f.enterprise
        out.append((f"{e.code.lower()}-operator", "duty", "enterprise", e.code, f"{e.name} 值班"))
    out.append(("engineer", "engineer", "city", plant.site.city.code, "工程师"))
    out.append(("viewer", "viewer", "city", plant.site.city.code, "查看"))
    return out


def create_demo_users(store: UserStore, plant: Plant, path: Path) -> list[tuple[str, str]]:
    """When there is no user yet: create one per tier node, write name/password pairs to ``path`` (0600) and return them.
    Passwords are random: a demo system on a network must not share a known password."""
    if store.count():
        return []
    created = []
    for username, role, tier, code, name in demo_accounts(plant):
        password = generate_password()
        store.create(username, password, role, tier, code, name)
        created.append((username, password))
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"{u}\t{p}\t{role}\t{tier}:{code}" for (u, p), (_, role, tier, code, _) in zip(created, demo_accounts(plant), strict=True)]
    path.write_text("# 演示用户 demo users: user, password, role, scope\n" + "\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return created


def read_demo_users(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            user, password, *_ = line.split("\t")
            out[user] = password
    return out
