"""Edge fixtures: the relational store on SQLite and PostgreSQL, a private broker with users and ACL, child processes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import mosquitto as mosquitto_support
import pytest
from edge_rig import ENTERPRISES, GATEWAY_PASSWORD, WORKER_PASSWORD, Processes
from services import service_missing

from edge.topics import acl


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'scada.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[mosquitto_support.Mosquitto]:
    """Mosquitto with a password per gateway (user = enterprise code) and the ACL of edge.topics.acl()."""
    if not mosquitto_support.available():
        service_missing("mosquitto (Debian package mosquitto; scripts/setup --dev installs it)")
    users = {e: GATEWAY_PASSWORD for e in ENTERPRISES} | {"worker": WORKER_PASSWORD}
    broker = mosquitto_support.Mosquitto(tmp_path / "broker", users=users, acl=acl())
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(tmp_path)
    yield procs
    procs.stop_all()
