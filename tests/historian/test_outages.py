"""Store-and-forward against a real InfluxDB: an influxd outage and a killed writer lose nothing."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import influxd as influxd_support
import pytest
from rig import wait_for
from services import service_missing

from historian.config import HistorianConfig
from historian.service import Historian
from historian.status import TAG_BUFFER_ALARM, TAG_BUFFER_FILL, TAG_REFUSED_ROWS, TAG_REMOTE_ONLINE
from tags import Quality, TagBus, TagStore, TagUpdate

OUTAGE_S = float(os.environ.get("SCADA_TEST_OUTAGE_S", "60"))  # the figure; shorten locally if you like
FEEDER = Path(__file__).with_name("feeder.py")


@pytest.fixture
def private_influxd(tmp_path: Path):
    if not influxd_support.available():
        service_missing("influxd (Debian package influxdb)")
    server = influxd_support.Influxd(tmp_path / "influxd")
    server.start()
    yield server
    server.stop()


def _values_by_tag(server: influxd_support.Influxd, database: str) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for series in server.query('SELECT value FROM "raw"."v" GROUP BY point', database):
        out[series["tags"]["point"]] = [row[1] for row in series["values"]]  # time-ordered by InfluxDB
    return out


@pytest.mark.slow
async def test_an_influxd_outage_loses_nothing_and_duplicates_nothing(private_influxd, tmp_path: Path) -> None:
    config = HistorianConfig.model_validate(
        {
            "backend": "influxdb1",
            "influxdb1": {"url": private_influxd.url, "database": "outage", "timeout_s": 2},
            "batch": {"max_delay_s": 0.2},
            "buffer": {"retry_s": 0.2, "max_rows": 1_000_000, "warn_fraction": 0.5},
        }
    )
    bus = TagBus()
    store = TagStore(bus)
    names = [f"E01.T{i}.LT" for i in range(20)]
    store.define(names)
    status_sub = bus.subscribe("status-watch", "_system.*")

    def publish(updates: list[TagUpdate]) -> None:
        store.define(u.tag for u in updates)
        store.update(updates)

    historian = Historian(config, tmp_path / "data", publish=publish)
    historian.subscribe(bus)
    task = asyncio.create_task(historian.run(bus))
    produced = 0
    stop = asyncio.Event()

    async def produce() -> None:
        nonlocal produced
        while not stop.is_set():  # 20 tags × 50 Hz = 1,000 values/s, steady
            store.update([TagUpdate(n, float(produced), Quality.GOOD, time.time()) for n in names])
            produced += 1
            await asyncio.sleep(0.02)

    producer = asyncio.create_task(produce())
    await asyncio.sleep(2)
    private_influxd.stop()
    await asyncio.sleep(OUTAGE_S)
    assert historian.buffer is not None and historian.buffer.rows > 0, "values must wait on disk during the outage"
    private_influxd.start()
    await asyncio.sleep(2)
    stop.set()
    await producer
    await wait_for(lambda: historian.buffer.rows == 0, timeout=120, what="the buffer to drain")
    historian.stop()
    await task
    historian.close()
    statuses = [(v.tag, v.value) for v in status_sub.take()]
    got = await asyncio.to_thread(_values_by_tag, private_influxd, "outage")
    assert set(names) <= set(got)
    for name in names:
        assert got[name] == [float(i) for i in range(produced)], f"{name}: missing, duplicated or out of order"
    assert (TAG_REMOTE_ONLINE, False) in statuses and (TAG_REMOTE_ONLINE, True) in statuses


async def test_a_nearly_full_buffer_raises_its_alarm_and_a_full_one_refuses_and_counts(tmp_path: Path) -> None:
    from rig import free_port

    config = HistorianConfig.model_validate(
        {
            "backend": "influxdb1",
            "influxdb1": {"url": f"http://127.0.0.1:{free_port()}", "timeout_s": 0.5},  # nobody listens: remote down
            "buffer": {"max_rows": 1000, "warn_fraction": 0.8, "retry_s": 0.05},
        }
    )
    published: list[TagUpdate] = []
    historian = Historian(config, tmp_path, publish=published.extend)
    bus = TagBus()
    store = TagStore(bus)
    store.define(["P"])
    task = asyncio.create_task(historian.run(bus))
    try:
        for i in range(12):  # 12 × 100 rows into a 1,000-row buffer
            historian.record([row for row in _rows("P", i * 100, 100)])
            await asyncio.sleep(0.12)
        await wait_for(lambda: any(u.tag == TAG_REFUSED_ROWS and u.value == 200 for u in published), 5, "refused rows published")
    finally:
        historian.stop()
        await task
        historian.close()
    latest = {u.tag: u.value for u in published}
    assert latest[TAG_REMOTE_ONLINE] is False
    assert latest[TAG_BUFFER_ALARM] is True
    assert latest[TAG_BUFFER_FILL] == 100.0
    assert historian.buffer.rows == 1000  # the oldest data is kept, the newest refused and counted


def _rows(tag: str, start: int, n: int):
    from historian.rows import US, Row

    return [Row(tag, (1_700_000_000 + start + i) * US, float(i), 0, 0) for i in range(n)]


def _buffered_keys(buffer_path: Path) -> set[tuple[str, int]]:
    db = sqlite3.connect(buffer_path)
    try:
        bodies = [row[0] for row in db.execute("SELECT body FROM batches")]
    finally:
        db.close()
    pattern = re.compile(rb"^v,point=(\S+) value=([-0-9.e+]+),")
    keys = set()
    for body in bodies:
        for line in body.split(b"\n"):
            m = pattern.match(line)
            assert m, line
            keys.add((m.group(1).decode(), int(float(m.group(2)))))
    return keys


@pytest.mark.slow
async def test_a_killed_writer_loses_nothing_it_had_buffered(private_influxd, tmp_path: Path) -> None:
    data = tmp_path / "data"
    args = [sys.executable, str(FEEDER), private_influxd.url, "killed", str(data), "10", "50"]
    writer = subprocess.Popen(args)
    try:
        await wait_for(lambda: bool(private_influxd.query('SELECT count(value) FROM "raw"."v"', "killed")), 30, "first values in InfluxDB")
        private_influxd.stop()  # values now pile up in the writer's disk buffer
        await wait_for(lambda: len(_buffered_keys(data / "history-buffer.db")) > 500, 30, "a buffer of >500 rows")
        await asyncio.sleep(0.5)
        writer.send_signal(signal.SIGKILL)
        writer.wait(10)
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    buffered = _buffered_keys(data / "history-buffer.db")
    private_influxd.start()
    drain = subprocess.run([*args, "--drain-only"], timeout=120, check=True)
    assert drain.returncode == 0
    got = _values_by_tag(private_influxd, "killed")
    assert len(got) == 10
    stored = {(tag, int(v)) for tag, values in got.items() for v in values}
    assert buffered <= stored, f"{len(buffered - stored)} buffered rows were lost"
    for tag, values in got.items():
        assert values == [float(i) for i in range(len(values))], f"{tag}: gap, duplicate or disorder"
