"""Accounts (arts. 20, 21): four administrator levels (city, district, park, enterprise administrators),
the application flow for an enterprise account — enterprise → district → city duty agency → city
危化处 review → information centre opens or deletes — with every step recorded and owned by one role,
and the forced password change on first sign-in of an opened account.

Users themselves live in ``hmi_users`` (``hmi.users.UserStore``, whose password rule — at least 10
characters with letters, digits and symbols — applies); this module adds the flow around them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, insert, select, update

from governance.actor import Actor, enterprise
from governance.config import Office, Offices
from governance.errors import GovernanceError, NotFound
from hmi.passwords import PasswordPolicyError, generate_password
from hmi.users import ROLES, UserError, UserStore
from scada.config import Plant
from scada.store.tables import gov_account_requests, gov_account_steps, gov_password_changes, hmi_users

STEPS = ("apply", "district", "city_duty", "hazchem", "info_centre")  # in this order, none skipped
STEP_NAMES = {
    "apply": "enterprise application 企业申请",
    "district": "district review 区级审核",
    "city_duty": "city duty agency 市级监控值守机构",
    "hazchem": "city hazardous-chemicals division review 市危化处审核",
    "info_centre": "information centre 信息中心开通/删除",
}
ACTIONS = ("open", "delete")


def in_office(actor: Actor, office: Office) -> bool:
    return actor.tier == "city" and (actor.user in office.users or actor.role in office.roles)


class Accounts:
    def __init__(self, engine: Engine, plant: Plant, offices: Offices, clock: Callable[[], float]) -> None:
        self.engine, self.plant, self.offices, self.clock = engine, plant, offices, clock
        self.users = UserStore(engine, clock)

    # -- who owns a step -------------------------------------------------------------------------

    def owns(self, actor: Actor, step: str, ent: str) -> bool:
        if step == "apply":
            return actor.tier == "enterprise" and actor.code == ent and actor.role == "administrator"
        if step == "district":
            district = enterprise(self.plant, ent).enterprise.district
            return actor.tier == "district" and actor.code == district and actor.role == "administrator"
        office = {"city_duty": self.offices.city_duty, "hazchem": self.offices.hazchem_division}.get(step, self.offices.information_centre)
        return in_office(actor, office)

    # -- the flow --------------------------------------------------------------------------------

    def apply(self, actor: Actor, ent: str, action: str, username: str, display_name: str = "", role: str = "duty") -> dict[str, Any]:
        """Step 1: the enterprise's administrator asks to open (or delete) an account of the enterprise."""
        actor.require(self.owns(actor, "apply", ent), f"applying for an account of {ent} (its enterprise administrator applies)")
        if action not in ACTIONS:
            raise GovernanceError(f"action must be open or delete, not {action!r}")
        if role not in ROLES:
            raise GovernanceError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        if not username.strip():
            raise GovernanceError("username: the account to open or delete")
        existing = self.users.get(username)
        if action == "open" and existing is not None:
            raise GovernanceError(f"user {username!r} exists already")
        if action == "delete" and (existing is None or existing.tier != "enterprise" or existing.scope_code != ent):
            raise GovernanceError(f"{ent} has no account {username!r} to delete")
        now = self.clock()
        with self.engine.begin() as conn:
            rid = int(
                conn.execute(
                    insert(gov_account_requests).values(
                        enterprise=ent,
                        action=action,
                        username=username.strip(),
                        display_name=display_name.strip(),
                        role=role,
                        status="pending",
                        step="district",
                        created_at=now,
                    )
                ).inserted_primary_key[0]
            )
            self._step(conn, rid, "apply", "filed", actor, now, "")
        return self.get(actor, rid)

    def decide(self, actor: Actor, request_id: int, step: str, approve: bool, note: str = "") -> dict[str, Any]:
        """One review step. ``step`` names the step the caller means to take: it must be the request's next one."""
        req = self._load(request_id)
        if step not in STEPS[1:]:
            raise GovernanceError(f"step must be one of {', '.join(STEPS[1:])}, not {step!r}")
        actor.require(self.owns(actor, step, req["enterprise"]), f"the step {STEP_NAMES[step]}")
        if req["status"] != "pending":
            raise GovernanceError(f"request {request_id} is {req['status']}: no step is left")
        if step != req["step"]:
            raise GovernanceError(f"request {request_id} waits for {STEP_NAMES[req['step']]}; {STEP_NAMES[step]} cannot come before it")
        if not approve and not note.strip():
            raise GovernanceError("a rejection needs a note saying why")
        now = self.clock()
        password = None
        with self.engine.begin() as conn:
            if not approve:
                self._step(conn, request_id, step, "rejected", actor, now, note)
                values: dict[str, Any] = {"status": "rejected", "step": None}
            elif step == "info_centre":
                password = self._carry_out(conn, req, now)
                self._step(conn, request_id, step, "opened" if req["action"] == "open" else "deleted", actor, now, note)
                values = {"status": "done", "step": None}
            else:
                self._step(conn, request_id, step, "approved", actor, now, note)
                values = {"step": STEPS[STEPS.index(step) + 1]}
            conn.execute(update(gov_account_requests).where(gov_account_requests.c.id == request_id).values(**values))
        out = self.get(actor, request_id, check=False)
        if password is not None:
            out["initial_password"] = password  # shown once to the information centre; the user must change it
        return out

    def _carry_out(self, conn: Any, req: dict[str, Any], now: float) -> str | None:
        if req["action"] == "delete":
            conn.execute(update(hmi_users).where(hmi_users.c.username == req["username"]).values(active=False))
            return None
        password = generate_password()
        try:
            self.users.create(req["username"], password, req["role"], "enterprise", req["enterprise"], req["display_name"])
        except UserError as exc:
            raise GovernanceError(str(exc)) from None
        self._flag(conn, req["username"], now)
        return password

    def _step(self, conn: Any, rid: int, step: str, decision: str, actor: Actor, at: float, note: str) -> None:
        conn.execute(
            insert(gov_account_steps).values(
                request_id=rid, step=step, decision=decision, actor=actor.user, unit=actor.unit, at=at, note=note.strip()
            )
        )

    def _load(self, request_id: int) -> dict[str, Any]:
        with self.engine.connect() as conn:
            row = conn.execute(select(gov_account_requests).where(gov_account_requests.c.id == request_id)).mappings().first()
            if row is None:
                raise NotFound(f"no account request {request_id}")
            c = gov_account_steps.c
            steps = conn.execute(select(gov_account_steps).where(c.request_id == request_id).order_by(c.id)).mappings().all()
        return {**row, "steps": [dict(s) for s in steps]}

    def get(self, actor: Actor, request_id: int, check: bool = True) -> dict[str, Any]:
        req = self._load(request_id)
        if check and not (actor.sees(req["enterprise"]) or actor.tier == "city"):
            raise NotFound(f"no account request {request_id} in your scope")
        return req

    def list(self, actor: Actor, waiting_for_me: bool = False) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            ids = [r for (r,) in conn.execute(select(gov_account_requests.c.id).order_by(gov_account_requests.c.id.desc()))]
        out = [self._load(i) for i in ids]
        out = [r for r in out if actor.sees(r["enterprise"])]
        if waiting_for_me:
            out = [r for r in out if r["status"] == "pending" and self.owns(actor, r["step"], r["enterprise"])]
        return out

    # -- administrators and passwords ------------------------------------------------------------

    def create_admin(self, username: str, tier: str, code: str, display_name: str = "") -> str:
        """An administrator of one of the four levels (art. 20) with a one-time password to change at first sign-in."""
        valid = {"city": {self.plant.site.city.code}, "district": {d.code for d in self.plant.site.districts}}
        valid["park"] = {p.code for p in self.plant.site.parks}
        valid["enterprise"] = {f.enterprise.code for f in self.plant.enterprises}
        if tier not in valid or code not in valid[tier]:
            raise GovernanceError(f"{tier}:{code} is not a unit of the configuration")
        password = generate_password()
        try:
            self.users.create(username, password, "administrator", tier, code, display_name)
        except UserError as exc:
            raise GovernanceError(str(exc)) from None
        with self.engine.begin() as conn:
            self._flag(conn, username, self.clock())
        return password

    def _flag(self, conn: Any, username: str, now: float) -> None:
        conn.execute(insert(gov_password_changes).values(username=username, must_change=True, set_at=now))

    def must_change(self, username: str) -> bool:
        c = gov_password_changes.c
        with self.engine.connect() as conn:
            return bool(conn.execute(select(c.must_change).where(c.username == username)).scalar())

    def change_password(self, username: str, old: str, new: str) -> None:
        """The user's own change: the old password proves who they are; the new one must meet the rule and differ."""
        if self.users.authenticate(username, old).account is None:
            raise GovernanceError("the current password is wrong")
        if old == new:
            raise GovernanceError("the new password must differ from the current one")
        try:
            self.users.set_password(username, new)
        except PasswordPolicyError as exc:
            raise GovernanceError(str(exc)) from None
        with self.engine.begin() as conn:
            c = gov_password_changes.c
            conn.execute(update(gov_password_changes).where(c.username == username).values(must_change=False, changed_at=self.clock()))
