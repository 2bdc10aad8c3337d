"""Separate processes on a private Mosquitto (passwords + ACL): a synthetic gateway process and central
workers. Kill a worker mid-stream → every value exactly once in the (InfluxDB) historian; stop the
broker for 60 s → the gateways buffer on disk and every value arrives after, the old ones flagged late."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import influxd as influxd_support
import mosquitto as mosquitto_support
import pytest
from edge_rig import Processes, assert_exactly_once, copy_config, gateways, history_rows, last_stat, synthetic, wait_until
from services import service_missing

from edge.membership import assign
from historian.config import load_historian_config
from historian.service import Historian


@pytest.fixture
def influxd(tmp_path: Path) -> Iterator[influxd_support.Influxd]:
    if not influxd_support.available():
        service_missing("influxd (Debian package influxdb; scripts/setup --dev installs it)")
    server = influxd_support.Influxd(tmp_path / "influxd")
    server.start()
    yield server
    server.stop()


@pytest.mark.slow
def test_killing_a_worker_mid_stream_loses_and_duplicates_nothing(
    tmp_path: Path, private_broker: mosquitto_support.Mosquitto, influxd: influxd_support.Influxd, processes: Processes
) -> None:
    config = copy_config(tmp_path / "config", private_broker.port)
    historian_yaml = (config / "historian.yaml").read_text().replace("backend: sqlite", "backend: influxdb1")
    (config / "historian.yaml").write_text(
        historian_yaml.replace("url: http://127.0.0.1:8086\n  database", f"url: {influxd.url}\n  database")
    )
    workers = {name: processes.worker(name, config) for name in ("w1", "w2")}
    wait_until(lambda: all(last_stat(processes.log(n), "workers") == 2 for n in workers), 60, "both workers see each other", processes)
    spec, chosen = gateways(tmp_path, config, [f"E0{i}" for i in range(1, 9)], 5)
    samples = 300  # 30 s of 8 gateways × 5 tags × 10/s
    feed = synthetic(processes, config, spec, samples, 0.1)
    wait_until(lambda: last_stat(processes.log("w1"), "batches") > 20, 60, "w1 ingesting", processes)
    # Frozen first, so batches pile up at w1 unacknowledged (the broker delivered them), then killed:
    # no clean stop, its last will tells w2, and the gateways must re-send what w1 took with it.
    workers["w1"].send_signal(signal.SIGSTOP)
    time.sleep(1.0)
    workers["w1"].send_signal(signal.SIGKILL)
    wait_until(lambda: last_stat(processes.log("w2"), "enterprises") == 8, 30, "w2 taking every enterprise", processes)
    feed.wait(180)
    stats = json.loads(processes.log("gateways").strip().splitlines()[-1])
    assert stats["sent"] == 8 * 5 * samples and stats["refused_samples"] == 0
    assert stats["resends"] > 0  # batches w1 had taken but not acknowledged were published again
    historian = Historian(load_historian_config(config), tmp_path / "reader")
    try:
        tags = [t for ts in chosen.values() for t in ts]
        rows = list(historian.raw(tags, time.time() - 3600, time.time() + 60))
    finally:
        historian.close()
    assert_exactly_once(rows, chosen, samples)


@pytest.mark.slow
def test_a_60_s_broker_outage_loses_nothing_and_old_values_arrive_late(
    tmp_path: Path, private_broker: mosquitto_support.Mosquitto, processes: Processes
) -> None:
    config = copy_config(tmp_path / "config", private_broker.port, late_after_s=10)
    processes.worker("w1", config)
    wait_until(lambda: last_stat(processes.log("w1"), "enterprises") == 8, 60, "w1 owning every enterprise", processes)
    spec, chosen = gateways(tmp_path, config, ["E01", "E02"], 5)
    samples = 200  # 100 s at 2/s
    feed = synthetic(processes, config, spec, samples, 0.5)
    wait_until(lambda: last_stat(processes.log("w1"), "batches") > 5, 60, "w1 ingesting", processes)
    private_broker.stop()
    time.sleep(60)  # the outage itself is the scenario
    before = last_stat(processes.log("w1"), "samples")
    private_broker.start()
    feed.wait(180)
    stats = json.loads(processes.log("gateways").strip().splitlines()[-1])
    assert stats["sent"] == 2 * 5 * samples and stats["refused_samples"] == 0
    tags = [t for ts in chosen.values() for t in ts]
    wait_until(lambda: len(history_rows(tmp_path / "w1" / "history.db", tags)) == 2 * 5 * samples, 30, "the replay stored", processes)
    assert_exactly_once(history_rows(tmp_path / "w1" / "history.db", tags), chosen, samples)
    log = processes.log("w1")
    assert last_stat(log, "late_batches") > 0  # the buffered minute came flagged late: history only, no alarm evaluation
    assert last_stat(log, "samples") > before


def activations(url: str) -> dict[str, int]:
    """alarm id → how many times the shared journal says it was activated."""
    from sqlalchemy import create_engine, func, select

    from scada.store.tables import alarm_journal

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            c = alarm_journal.c
            rows = conn.execute(select(c.alarm_id, func.count()).where(c.transition == "activated").group_by(c.alarm_id)).all()
    finally:
        engine.dispose()
    return {alarm_id: n for alarm_id, n in rows}


@pytest.mark.slow
@pytest.mark.postgres
def test_a_worker_taking_over_continues_the_alarms_of_the_dead_one(
    tmp_path: Path, private_broker: mosquitto_support.Mosquitto, processes: Processes, postgres_url: str
) -> None:
    """Two workers journalling into one PostgreSQL store; the counting gateways' values rise through every limit,
    so each point's alarms activate once and stay active. Killing the worker that raised them must not make the
    survivor annunciate them again when it takes the enterprises over: it continues them from the store."""
    config = copy_config(tmp_path / "config", private_broker.port)
    processes.worker("w1", config, database_url=postgres_url)
    wait_until(lambda: last_stat(processes.log("w1"), "enterprises") == 8, 60, "w1 up (store migrated)", processes)
    w2 = processes.worker("w2", config, database_url=postgres_url)
    wait_until(lambda: all(last_stat(processes.log(n), "workers") == 2 for n in ("w1", "w2")), 60, "both workers", processes)
    spec, _chosen = gateways(tmp_path, config, [f"E0{i}" for i in range(1, 9)], 5)
    feed = synthetic(processes, config, spec, 400, 0.1)  # 40 s; every range ends at or below 100: all crossed by 10 s
    w1_share = assign([f"E0{i}" for i in range(1, 9)], ["w1", "w2"])["w1"]  # rendezvous hashing: what w1 holds
    assert w1_share, "w1 owns no enterprise: nothing to hand over"
    time.sleep(15)
    before = activations(postgres_url)
    assert any(a.startswith(tuple(f"{e}." for e in w1_share)) for a in before), "w1 raised no alarm before being killed"
    assert set(before.values()) == {1}
    [w1] = [p for p in processes.procs if p is not w2 and "--worker-id=w1" in p.args]
    w1.send_signal(signal.SIGKILL)
    wait_until(lambda: last_stat(processes.log("w2"), "enterprises") == 8, 30, "w2 taking every enterprise", processes)
    feed.wait(180)
    time.sleep(1.0)  # w2's journal writer runs every 0.2 s
    after = activations(postgres_url)
    again = {a: n for a, n in after.items() if n > 1}
    assert not again, f"annunciated again after the hand-over: {sorted(again)[:5]}"
    assert "alarms handed over" in processes.log("w2")
