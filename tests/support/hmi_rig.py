"""An HMI on real components without a running loop: demo plant, tag store, alarm engine, historian
(SQLite), user store, the warning workflow's risk service — all synchronous, driven by a controllable
clock, served by Flask's test client. As in the server, the risk service is handed to the HMI's services
(its levels colour the screens, its in-app feed reaches the banner); nothing runs its loops: tests call
``evaluate`` and the workflow themselves."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from historian.config import load_historian_config
from historian.rows import US, Row
from historian.service import Historian
from hmi.app import HmiApp, create_app
from hmi.services import HmiServices
from risk.config import load_risk_config
from risk.service import RiskService
from rules.config import load_alarm_config
from rules.engine import AlarmEngine
from scada.config import load_plant
from scada.drivers.acquisition import health_tags
from scada.store import connect, upgrade
from tags import Quality, TagBus, TagStore, TagUpdate

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "Demo#pass2026"
T0 = 1_790_000_000.0
USERS = {  # user: (role, tier, code)
    "e01": ("duty", "enterprise", "E01"),
    "e02": ("duty", "enterprise", "E02"),
    "e03": ("duty", "enterprise", "E03"),
    "fs": ("duty", "district", "FS"),
    "ys": ("duty", "park", "YS"),
    "dx": ("duty", "district", "DX"),
    "city": ("administrator", "city", "BJ"),
    "viewer": ("viewer", "city", "BJ"),
}


class Clock:
    def __init__(self, t: float = T0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


@dataclass
class Env:
    hmi: HmiApp
    services: HmiServices
    clock: Clock
    tags: TagStore
    alarms: AlarmEngine

    def client(self, user: str | None = None):  # type: ignore[no-untyped-def]
        c = self.hmi.server.test_client()
        if user is not None:
            login(c, user)
        return c

    def raise_alarm(self, tag: str) -> str:
        """Drive ``tag`` above its high-high limit through the real engine; returns the alarm id."""
        ref = self.services.plant.point_by_tag[tag]
        _lo, hi = ref.point.range
        self.tags.update([TagUpdate(tag, hi, Quality.GOOD, self.clock())])
        self.alarms.process([self.tags.get(tag)])
        self.clock.t += ref.point.on_delay_s + 1
        self.alarms.tick(self.clock())
        self.alarms.write_journal()
        self.services.live.refresh()
        return f"{tag}:limit"


def seed_foreign(env: Env, enterprise: str = "E02") -> dict[str, Any]:
    """Records of ``enterprise`` and of its district in governance and the warning workflow, filed through the
    services as their owners would (a commitment, a pending declaration, an account request, maintenance notices,
    a usage problem, a monthly report; a red warning with feedback, an attachment and a notice). The scope tests aim
    the id-addressed routes at them; returns the placeholders naming them (and {PASSWORD}, the caller's own)."""
    from governance.actor import Actor
    from risk.scope import Scope as RiskScope
    from risk.workflow import Attachment

    plant, now = env.services.plant, env.clock()
    gov, risk = env.hmi.server.extensions["governance"], env.services.risk
    district = next(f.enterprise.district for f in plant.enterprises if f.enterprise.code == enterprise)
    duty = Actor.of(plant, "duty", "duty", "enterprise", enterprise)
    admin = Actor.of(plant, "admin", "administrator", "enterprise", enterprise)
    reviewer = Actor.of(plant, "reviewer", "duty", "district", district)
    centre = Actor.of(plant, "centre", "administrator", "city", plant.site.city.code)
    tag = next(p.tag for p in plant.points if p.enterprise.code == enterprise)
    gov.audit.act(
        duty, "commitment.filed", enterprise, lambda: gov.commitments.file(duty, enterprise, "王五", f"{enterprise} 承诺", False, {})
    )
    declaration = gov.declarations.file(duty, enterprise, [], [tag], "maintenance", "检修", now + 3600, now + 7200)
    request = gov.accounts.apply(admin, enterprise, "open", f"{enterprise.lower()}-new", "新值班员")
    work = now + 14 * 86400
    gov.maintenance.schedule(centre, "平台升级", "全体单位", work, work + 3600, ["all"])
    notice = gov.maintenance.schedule(centre, "网关检修", "网关检修", work, work + 3600, [f"enterprise:{enterprise}"])
    problem = gov.maintenance.file_problem(reviewer, f"{enterprise} 网关频繁离线", f"{enterprise} 的网关每天离线数次")
    report = gov.generate_report(reviewer, f"district:{district}", "2026-08", "xlsx")

    own = RiskScope("enterprise", enterprise)
    risk.evaluate(now)  # levels and evaluations of every enterprise
    risk.workflow.apply_level(enterprise, "red", now)
    warning = risk.api.warnings(own, "open")[0]["id"]
    record = Attachment("记录.txt", "text/plain", f"{enterprise} 现场记录".encode())
    risk.api.feedback(own, warning, "duty", "handling", "已处置", False, [record])
    attachment = risk.api.warning(own, warning)["feedback"][0]["attachments"][0]["id"]
    notice_down = risk.api.issue_notice(
        RiskScope("district", district), warning, f"enterprise:{enterprise}", "警示通报", "请整改", "reviewer"
    )
    return {
        "DECLARATION": declaration["id"],
        "ACCOUNT_REQUEST": request["id"],
        "NOTICE": notice["id"],
        "PROBLEM": problem["id"],
        "REPORT": report["id"],
        "UNIT": f"district:{district}",
        "PASSWORD": PASSWORD,
        "WARNING": warning,
        "ATTACHMENT": attachment,
        "WARNING_NOTICE": notice_down,
        "TASK": risk.api.tasks(own)[0]["id"],
        "FEED": risk.api.feed(own)[0]["id"],
    }


def login(client, user: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    return client.post("/login", data={"username": user, "password": password, "csrf": token})


def csrf(client) -> str:  # type: ignore[no-untyped-def]
    return client.get_cookie("_csrf_token").value


def dash_post(client, body: dict):  # type: ignore[no-untyped-def]
    return client.post("/_dash-update-component", json=body, headers={"X-CSRFToken": csrf(client)})


def make_env(tmp_path: Path) -> Iterator[Env]:
    config = ROOT / "config"
    plant = load_plant(config)
    clock = Clock()
    engine = connect(f"sqlite:///{tmp_path / 'scada.db'}")
    upgrade(engine)
    bus = TagBus()
    tags = TagStore(bus, clock)
    tags.define(p.tag for p in plant.points)
    tags.define(health_tags(plant))
    alarms = AlarmEngine(plant, load_alarm_config(config, plant), bus, engine, clock)
    historian = Historian(load_historian_config(config), tmp_path, clock)
    # Every point good at mid-range, with an hour of history (one sample a minute).
    updates, rows = [], []
    for p in plant.points:
        lo, hi = p.point.range
        mid = (lo + hi) / 2 if p.point.kind != "other" else 0
        updates.append(TagUpdate(p.tag, mid, Quality.GOOD, T0))
        rows += [Row(p.tag, round((T0 - 3600 + 60 * i) * US), mid + i * 0.01, 0, round((T0 - 3600 + 60 * i) * US)) for i in range(60)]
    tags.update(updates)
    tags.update([TagUpdate(t, True, Quality.GOOD, T0) for t in health_tags(plant)])
    historian.record(rows)
    risk = RiskService(plant, load_risk_config(config, plant), alarms.config.kpi, engine, clock)  # as the Supervisor builds it
    services = HmiServices(lambda: plant, tags, alarms, engine, tmp_path, historian, clock, risk=risk)
    hmi = create_app(services, b"k" * 32, session_timeout_s=600)
    for name, (role, tier, code) in USERS.items():
        hmi.users.create(name, PASSWORD, role, tier, code)
    try:
        yield Env(hmi, services, clock, tags, alarms)
    finally:
        historian.close()
        engine.dispose()
