"""An HMI on real components without a running loop: demo plant, tag store, alarm engine, historian
(SQLite), user store — all synchronous, driven by a controllable clock, served by Flask's test client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from historian.config import load_historian_config
from historian.rows import US, Row
from historian.service import Historian
from hmi.app import HmiApp, create_app
from hmi.services import HmiServices
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
    services = HmiServices(lambda: plant, tags, alarms, engine, tmp_path, historian, clock)
    hmi = create_app(services, b"k" * 32, session_timeout_s=600)
    for name, (role, tier, code) in USERS.items():
        hmi.users.create(name, PASSWORD, role, tier, code)
    try:
        yield Env(hmi, services, clock, tags, alarms)
    finally:
        historian.close()
        engine.dispose()
