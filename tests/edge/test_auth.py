"""Broker authorisation on a private Mosquitto with the ACL of edge.topics.acl(): a gateway (user = its
enterprise code) cannot publish for another enterprise, nor read another's acknowledgements."""

from __future__ import annotations

import threading
import time

import mosquitto as mosquitto_support
import paho.mqtt.client as mqtt
from edge_rig import GATEWAY_PASSWORD, WORKER_PASSWORD
from paho.mqtt.enums import CallbackAPIVersion


class Client:
    def __init__(self, broker: mosquitto_support.Mosquitto, user: str, password: str) -> None:
        self.messages: list[tuple[str, bytes]] = []
        self.connected = threading.Event()
        self.refused: object = None
        self.c = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"test-{user}-{time.monotonic_ns()}")
        self.c.username_pw_set(user, password)
        self.c.on_connect = self._on_connect
        self.c.on_message = lambda _c, _u, m: self.messages.append((m.topic, m.payload))
        self.c.connect("127.0.0.1", broker.port, 5)
        self.c.loop_start()

    def _on_connect(self, _c: object, _u: object, _f: object, reason: object, _p: object) -> None:
        if getattr(reason, "is_failure", False):
            self.refused = reason
        else:
            self.connected.set()

    def subscribe(self, topic: str) -> None:
        self.c.subscribe(topic, 1)
        time.sleep(0.3)  # SUBACK: the broker has the subscription before anyone publishes

    def publish(self, topic: str, payload: bytes) -> None:
        self.c.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.c.disconnect()
        self.c.loop_stop()


def wait(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)
    return bool(condition())


def test_a_gateway_can_publish_only_for_its_own_enterprise(private_broker: mosquitto_support.Mosquitto) -> None:
    worker = Client(private_broker, "worker", WORKER_PASSWORD)
    e01 = Client(private_broker, "E01", GATEWAY_PASSWORD)
    try:
        assert worker.connected.wait(5) and e01.connected.wait(5)
        worker.subscribe("scada/v1/#")
        e01.subscribe("scada/v1/_ack/#")
        e01.publish("scada/v1/FS/E02/data", b"forged")  # another enterprise: the broker drops it
        e01.publish("scada/v1/FS/E01/data", b"own")
        assert wait(lambda: ("scada/v1/FS/E01/data", b"own") in worker.messages)
        time.sleep(0.5)
        assert [t for t, _ in worker.messages if "/data" in t] == ["scada/v1/FS/E01/data"]
        worker.publish("scada/v1/_ack/E02", b'{"stream": "s", "seq": 1}')
        worker.publish("scada/v1/_ack/E01", b'{"stream": "s", "seq": 2}')
        assert wait(lambda: any(t == "scada/v1/_ack/E01" for t, _ in e01.messages))
        time.sleep(0.5)
        assert [t for t, _ in e01.messages] == ["scada/v1/_ack/E01"]  # another enterprise's acks are not readable
    finally:
        worker.close()
        e01.close()


def test_a_wrong_password_is_refused(private_broker: mosquitto_support.Mosquitto) -> None:
    intruder = Client(private_broker, "E01", "guess")
    try:
        assert wait(lambda: intruder.refused is not None)
        assert not intruder.connected.is_set()
    finally:
        intruder.close()
