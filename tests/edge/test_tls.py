"""The uplink over TLS (issue 10): a private Mosquitto that speaks TLS only and requires a client certificate
signed by its CA as well as the gateway's password; a counting gateway process and a central worker connect with
`broker.tls` in uplink.yaml and every value arrives exactly once. A client without a certificate, or trusting
another CA, gets nothing through."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import mosquitto as mosquitto_support
import paho.mqtt.client as mqtt
import pytest
from edge_rig import (
    ENTERPRISES,
    GATEWAY_PASSWORD,
    WORKER_PASSWORD,
    Processes,
    assert_exactly_once,
    copy_config,
    gateways,
    history_rows,
    last_stat,
    synthetic,
    wait_until,
)
from paho.mqtt.enums import CallbackAPIVersion
from services import service_missing

from edge.topics import acl


@pytest.fixture
def pki(tmp_path: Path) -> mosquitto_support.Pki:
    return mosquitto_support.Pki.make(tmp_path / "pki")


@pytest.fixture
def tls_broker(tmp_path: Path, pki: mosquitto_support.Pki) -> Iterator[mosquitto_support.Mosquitto]:
    if not mosquitto_support.available():
        service_missing("mosquitto (Debian package mosquitto; scripts/setup --dev installs it)")
    users = {e: GATEWAY_PASSWORD for e in ENTERPRISES} | {"worker": WORKER_PASSWORD}
    broker = mosquitto_support.Mosquitto(tmp_path / "broker", users=users, acl=acl(), tls=pki)
    broker.start()
    yield broker
    broker.stop()


def connects(port: int, ca: Path, cert: Path | None, key: Path | None) -> bool:
    """Whether a client with these TLS settings (and a valid password) gets a CONNACK."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="tls-probe")
    client.username_pw_set("E01", GATEWAY_PASSWORD)
    client.tls_set(ca_certs=str(ca), certfile=str(cert) if cert else None, keyfile=str(key) if key else None)
    accepted: list[bool] = []
    client.on_connect = lambda _c, _u, _f, rc, _p: accepted.append(not rc.is_failure)
    try:
        client.connect("127.0.0.1", port, keepalive=5)
    except (OSError, ssl.SSLError):
        return False
    deadline = time.monotonic() + 5
    while not accepted and time.monotonic() < deadline:
        if client.loop(0.1) != mqtt.MQTT_ERR_SUCCESS:
            break
    client.disconnect()
    return accepted == [True]


@pytest.mark.slow
def test_gateway_and_worker_over_tls_with_client_certificates(
    tmp_path: Path, tls_broker: mosquitto_support.Mosquitto, pki: mosquitto_support.Pki, processes: Processes
) -> None:
    config = copy_config(tmp_path / "config", tls_broker.port)
    uplink = (config / "uplink.yaml").read_text()
    tls = f"  tls: {{ca: '{pki.ca}', cert: '{pki.client_cert}', key: '{pki.client_key}'}}\n"
    (config / "uplink.yaml").write_text(uplink.replace("  keepalive_s: 5\n", "  keepalive_s: 5\n" + tls, 1))
    processes.worker("w1", config)
    wait_until(lambda: last_stat(processes.log("w1"), "enterprises") == 8, 60, "w1 connected over TLS", processes)
    spec, chosen = gateways(tmp_path, config, ["E01", "E02"], 5)
    samples = 50
    synthetic(processes, config, spec, samples, 0.1).wait(120)
    tags = [t for ts in chosen.values() for t in ts]
    db = tmp_path / "w1" / "history.db"
    wait_until(lambda: len(history_rows(db, tags)) == 2 * 5 * samples, 30, "every value stored", processes)
    assert_exactly_once(history_rows(db, tags), chosen, samples)

    assert connects(tls_broker.port, pki.ca, pki.client_cert, pki.client_key)  # the probe itself works
    assert not connects(tls_broker.port, pki.ca, None, None)  # no client certificate: refused
    other = mosquitto_support.Pki.make(tmp_path / "other-pki")
    assert not connects(tls_broker.port, other.ca, other.client_cert, other.client_key)  # another CA: refused both ways
