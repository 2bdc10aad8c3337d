"""Historian fixtures: a private influxd per test module, and a historian on each backend."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import influxd as influxd_support
import pytest
from history_data import Clock
from services import service_missing

from historian.config import HistorianConfig
from historian.service import Historian

_databases = itertools.count()


@pytest.fixture(scope="session")
def influxd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[influxd_support.Influxd]:
    if not influxd_support.available():
        service_missing("influxd (Debian package influxdb; scripts/setup --dev installs it)")
    server = influxd_support.Influxd(tmp_path_factory.mktemp("influxd"))
    server.start()
    yield server
    server.stop()


def make_config(backend: str, influxd: influxd_support.Influxd | None, **overrides: object) -> HistorianConfig:
    data: dict[str, object] = {"backend": backend, **overrides}
    if influxd is not None:
        data["influxdb1"] = {"url": influxd.url, "database": f"t{next(_databases)}"}
    return HistorianConfig.model_validate(data)


@pytest.fixture(params=["sqlite", "influxdb1"])
def backend_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def make_historian(backend_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator:
    """Build historians on the parametrised backend; closed at the end of the test."""
    made: list[Historian] = []
    server = request.getfixturevalue("influxd") if backend_name == "influxdb1" else None

    def make(clock: Clock, **overrides: object) -> Historian:
        h = Historian(make_config(backend_name, server, **overrides), tmp_path, clock)
        h.setup()
        made.append(h)
        return h

    yield make
    for h in made:
        h.close()
