"""An HMI with the engineering extension on real components: a copy of the demo configuration, tag store,
alarm engine, relational store (SQLite or PostgreSQL), Flask test client; approvals apply through the
same ``LiveApplier`` as the running server (no loop here: the switch runs inline)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from hmi_rig import PASSWORD, ROOT, T0, Clock, csrf, login

from engineering.reload import started
from engineering.web import extension
from hmi.app import HmiApp, create_app
from hmi.services import HmiServices
from rules.config import load_alarm_config
from rules.engine import AlarmEngine
from scada.config import load_plant
from scada.drivers.acquisition import health_tags
from scada.store import AuditLog, connect, upgrade
from tags import Quality, TagBus, TagStore, TagUpdate

ENGINEERS = {  # user: (role, tier, code)
    "eng-e01": ("engineer", "enterprise", "E01"),
    "eng-e03": ("engineer", "enterprise", "E03"),
    "eng-fs": ("engineer", "district", "FS"),
    "eng-fs2": ("engineer", "district", "FS"),
    "eng-dx": ("engineer", "district", "DX"),
    "eng-city": ("engineer", "city", "BJ"),
    "eng-city2": ("engineer", "city", "BJ"),
    "duty-fs": ("duty", "district", "FS"),
    "admin": ("administrator", "city", "BJ"),
}


@dataclass
class Eng:
    hmi: HmiApp
    sup: SimpleNamespace
    config: Path
    clock: Clock

    def client(self, user: str):  # type: ignore[no-untyped-def]
        c = self.hmi.server.test_client()
        login(c, user, PASSWORD)
        c.environ_base["HTTP_X_CSRFTOKEN"] = csrf(c)
        return c


def make(tmp_path: Path, url: str) -> Iterator[Eng]:
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    plant = load_plant(config)
    clock = Clock()
    engine = connect(url)
    upgrade(engine)
    bus = TagBus()
    tags = TagStore(bus, clock)
    tags.define(p.tag for p in plant.points)
    tags.define(health_tags(plant))
    alarms = AlarmEngine(plant, load_alarm_config(config, plant), bus, engine, clock)
    tags.update([TagUpdate(p.tag, (p.point.range[0] + p.point.range[1]) / 2, Quality.GOOD, T0) for p in plant.points])
    settings = SimpleNamespace(config_dir=config, data_dir=tmp_path / "data")
    sup = SimpleNamespace(plant=plant, tags=tags, alarms=alarms, acquisition=None, engine=engine, clock=clock, settings=settings)
    sup.audit = AuditLog(engine)
    started(sup)
    services = HmiServices(lambda: sup.plant, tags, alarms, engine, tmp_path, None, clock)
    hmi = create_app(services, b"k" * 32, session_timeout_s=600, extensions=[extension(sup)])
    for name, (role, tier, code) in ENGINEERS.items():
        hmi.users.create(name, PASSWORD, role, tier, code)
    try:
        yield Eng(hmi, sup, config, clock)
    finally:
        engine.dispose()


@pytest.fixture
def eng(tmp_path: Path) -> Iterator[Eng]:
    yield from make(tmp_path, f"sqlite:///{tmp_path / 'scada.db'}")


@pytest.fixture(params=["sqlite", "postgresql"])
def eng_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Eng]:
    """The same, on SQLite and on a fresh PostgreSQL database."""
    url = f"sqlite:///{tmp_path / 'scada.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    yield from make(tmp_path, url)
