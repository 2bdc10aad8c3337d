"""A thin bridge from paho-mqtt (its own network thread) into asyncio.

paho runs the socket in a thread and reconnects by itself (``connect_async`` + ``loop_start``);
every callback is handed to the event loop with ``call_soon_threadsafe``, so the rest of the
package only ever runs on the loop. Subscriptions are remembered and renewed on each connect
(clean sessions: after an outage the broker has forgotten them). The only module importing paho.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections.abc import Callable, Iterable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.config import Broker, Credentials

log = logging.getLogger(__name__)

OnMessage = Callable[[str, bytes], None]
OnConnected = Callable[[bool], None]


class MqttLink:
    def __init__(
        self,
        broker: Broker,
        credentials: Credentials,
        client_id: str,
        on_message: OnMessage,
        on_connected: OnConnected = lambda _up: None,
        *,
        enterprise: str = "",
        will: tuple[str, bytes] | None = None,
    ) -> None:
        self.broker = broker
        self.connected = False
        self._on_message = on_message
        self._on_connected = on_connected
        self._topics: set[str] = set()
        self._topics_lock = threading.Lock()  # read by paho's thread on connect
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = False
        c = self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        user = credentials.user(enterprise)
        if user:
            c.username_pw_set(user, credentials.password())
        if broker.tls.ca:
            c.tls_set(ca_certs=broker.tls.ca, certfile=broker.tls.cert, keyfile=broker.tls.key, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if will is not None:
            c.will_set(will[0], will[1], qos=1, retain=True)
        c.reconnect_delay_set(0.5, 5)  # a broker back after an outage is found within 5 s
        c.max_inflight_messages_set(1000)
        c.max_queued_messages_set(0)
        c.on_connect = self._connect_cb
        c.on_disconnect = self._disconnect_cb
        c.on_message = self._message_cb

    # -- paho thread → loop -------------------------------------------------------------------

    def _call(self, fn: Callable[..., None], *args: object) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call (shutdown)
                loop.call_soon_threadsafe(fn, *args)

    def _connect_cb(self, client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("MQTT broker refused the connection: %s", reason, extra={"ctx": {"broker": self._where}})
            return
        with self._topics_lock:
            topics = sorted(self._topics)
        if topics:
            client.subscribe([(t, 1) for t in topics])
        self._call(self._set_connected, True)

    def _disconnect_cb(self, _client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object) -> None:
        self._call(self._set_connected, False)

    def _message_cb(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        self._call(self._on_message, msg.topic, msg.payload)

    def _set_connected(self, up: bool) -> None:
        if up == self.connected:
            return
        self.connected = up
        if up:
            log.info("MQTT broker connected", extra={"ctx": {"broker": self._where}})
        else:
            log.warning("MQTT broker connection lost; reconnecting", extra={"ctx": {"broker": self._where}})
        self._on_connected(up)

    @property
    def _where(self) -> str:
        return f"{self.broker.host}:{self.broker.port}"

    # -- loop side ----------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive_s)
        self._client.loop_start()
        self._started = True

    def stop(self, last_words: Iterable[tuple[str, bytes]] = ()) -> None:
        """Publish ``last_words`` (retained) if connected, disconnect cleanly (no last will), join the thread. Blocking."""
        if not self._started:
            return
        self._started = False
        self._loop = None  # a deliberate disconnect is not news: no callbacks from here on
        if self.connected:
            infos = [self._client.publish(topic, payload, qos=1, retain=True) for topic, payload in last_words]
            for info in infos:
                with contextlib.suppress(RuntimeError, ValueError):
                    info.wait_for_publish(2.0)
        self._client.disconnect()
        self._client.loop_stop()
        self.connected = False

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        """QoS 1; safe from any thread. Queued by paho while the connection is down."""
        self._client.publish(topic, payload, qos=1, retain=retain)

    def subscribe(self, topics: Iterable[str]) -> None:
        with self._topics_lock:
            new = [t for t in topics if t not in self._topics]
            self._topics.update(new)
        if new and self._client.is_connected():  # else the connect callback subscribes
            self._client.subscribe([(t, 1) for t in new])

    def unsubscribe(self, topics: Iterable[str]) -> None:
        with self._topics_lock:
            gone = [t for t in topics if t in self._topics]
            self._topics.difference_update(gone)
        if gone and self._client.is_connected():
            self._client.unsubscribe(gone)
