"""A thin bridge from paho-mqtt into asyncio: the event loop drives paho's socket, no thread per client.

paho's external-loop interface (``loop_read``/``loop_write``/``loop_misc`` with socket callbacks)
runs on the event loop: its socket is registered with the loop's selector, writes are flushed when
the socket is writable, and a supervisor task keeps the connection alive (keepalive pings once a
second, reconnect with jittered backoff up to 5 s). Why not ``loop_start``: that is one thread per
client, and a process with many clients (the national bench runs 80 gateways in one) spent more CPU
handing every packet between those threads and the loop than on the packets. Only connecting — a
blocking TCP connect and TLS handshake inside paho — runs in a worker thread, so an unreachable
broker never stalls the loop. Callbacks reach the package as separate loop callbacks. Subscriptions
are remembered and renewed on each connect (clean sessions: after an outage the broker has
forgotten them). The only module importing paho.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from edge.config import Broker, Credentials
from scada.drivers.backoff import Backoff
from scada.tasks import cancel_and_wait

log = logging.getLogger(__name__)

OnMessage = Callable[[str, bytes], None]
OnConnected = Callable[[bool], None]
MISC_EVERY_S = 1.0  # keepalive pings and the check for a lost connection
STOP_WAIT_S = 2.0  # how long stop() waits for the last words and the DISCONNECT to go out


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
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread = 0
        self._supervisor: asyncio.Task[None] | None = None
        self._stopping = False  # a deliberate disconnect is not news: no callbacks from then on
        self._backoff = Backoff(0.5, 5.0)
        self._refused_logged = False
        c = self._client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=True)
        user = credentials.user(enterprise)
        if user:
            c.username_pw_set(user, credentials.password())
        if broker.tls.ca:
            c.tls_set(ca_certs=broker.tls.ca, certfile=broker.tls.cert, keyfile=broker.tls.key, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        if will is not None:
            c.will_set(will[0], will[1], qos=1, retain=True)
        c.max_inflight_messages_set(1000)
        c.max_queued_messages_set(0)
        c.on_connect = self._connect_cb
        c.on_disconnect = self._disconnect_cb
        c.on_message = self._message_cb
        c.on_socket_open = self._socket_open_cb
        c.on_socket_close = self._socket_close_cb
        c.on_socket_register_write = self._register_write_cb
        c.on_socket_unregister_write = self._unregister_write_cb

    # -- paho callbacks → loop ------------------------------------------------------------------

    def _on_loop(self, fn: Callable[..., None], *args: object) -> None:
        """Run ``fn`` as its own loop callback: paho's state stays paho's even if ``fn`` raises; from the
        connecting thread it is handed over thread-safely."""
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        if threading.get_ident() == self._loop_thread:
            loop.call_soon(fn, *args)
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed between the check and the call (shutdown)
                loop.call_soon_threadsafe(fn, *args)

    def _connect_cb(self, client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object) -> None:
        if getattr(reason, "is_failure", False):
            log.warning("MQTT broker refused the connection: %s", reason, extra={"ctx": {"broker": self._where}})
            return
        if self._topics:
            client.subscribe([(t, 1) for t in sorted(self._topics)])
        self._on_loop(self._set_connected, True)

    def _disconnect_cb(self, _client: mqtt.Client, _userdata: object, _flags: object, reason: object, _props: object) -> None:
        self._on_loop(self._set_connected, False)

    def _message_cb(self, _client: mqtt.Client, _userdata: object, msg: mqtt.MQTTMessage) -> None:
        self._on_loop(self._on_message, msg.topic, msg.payload)

    def _set_connected(self, up: bool) -> None:
        if up == self.connected or self._stopping:
            return
        self.connected = up
        if up:
            self._backoff.reset()
            self._refused_logged = False
            log.info("MQTT broker connected", extra={"ctx": {"broker": self._where}})
        else:
            log.warning("MQTT broker connection lost; reconnecting", extra={"ctx": {"broker": self._where}})
        self._on_connected(up)

    # -- the socket on the loop's selector -------------------------------------------------------

    def _socket_open_cb(self, _client: mqtt.Client, _userdata: object, sock: socket.socket) -> None:
        self._on_loop(self._attach, sock)  # called in the connecting thread

    def _attach(self, sock: socket.socket) -> None:
        if sock is not self._client.socket():  # already closed again
            return
        if self._loop is None:  # stopped while connecting
            sock.close()
            return
        self._loop.add_reader(sock, self._readable)

    def _socket_close_cb(self, _client: mqtt.Client, _userdata: object, sock: socket.socket) -> None:
        loop = self._loop
        if loop is not None and threading.get_ident() == self._loop_thread:  # now: paho closes it right after
            loop.remove_reader(sock)
            loop.remove_writer(sock)

    def _register_write_cb(self, _client: mqtt.Client, _userdata: object, sock: socket.socket) -> None:
        self._on_loop(self._flush_writes, sock)  # after the current callback: one write for all it queues

    def _flush_writes(self, sock: socket.socket) -> None:
        """Write what paho has queued now; only a full socket buffer waits for the selector (an add/remove of the
        writer per publish cost two system calls and a loop turn each)."""
        c = self._client
        if sock is not c.socket() or self._loop is None:  # closed or stopped meanwhile
            return
        c.loop_write()
        if c.want_write() and c.socket() is sock:
            self._loop.add_writer(sock, c.loop_write)

    def _unregister_write_cb(self, _client: mqtt.Client, _userdata: object, sock: socket.socket) -> None:
        if self._loop is not None and threading.get_ident() == self._loop_thread:
            self._loop.remove_writer(sock)

    def _readable(self) -> None:
        c = self._client
        sock = c.socket()
        c.loop_read()
        pending = getattr(sock, "pending", None)  # TLS: decrypted bytes the selector cannot see
        while pending is not None and c.socket() is sock and pending():
            c.loop_read()

    async def _supervise(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            if self._client.socket() is None:
                try:
                    await loop.run_in_executor(None, self._client.reconnect)
                except (OSError, ValueError) as exc:
                    if not self._refused_logged:
                        log.warning("MQTT broker unreachable; retrying", extra={"ctx": {"broker": self._where, "error": str(exc)}})
                        self._refused_logged = True
                    await asyncio.sleep(self._backoff.next_delay())
                    continue
            else:
                self._client.loop_misc()
            await asyncio.sleep(MISC_EVERY_S if self.connected else self._backoff.next_delay())

    @property
    def _where(self) -> str:
        return f"{self.broker.host}:{self.broker.port}"

    # -- loop side ----------------------------------------------------------------------------

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._client.connect_async(self.broker.host, self.broker.port, self.broker.keepalive_s)
        self._supervisor = self._loop.create_task(self._supervise(), name="mqtt-link")

    async def stop(self, last_words: Iterable[tuple[str, bytes]] = ()) -> None:
        """Publish ``last_words`` (retained) if connected, disconnect cleanly (no last will)."""
        if self._supervisor is None:
            return
        supervisor, self._supervisor = self._supervisor, None
        self._stopping = True
        await cancel_and_wait(supervisor, what="mqtt-link")
        c = self._client
        if self.connected and c.is_connected():
            infos = [c.publish(topic, payload, qos=1, retain=True) for topic, payload in last_words]
            await self._until(lambda: all(i.is_published() for i in infos))
        if c.socket() is not None:
            c.disconnect()  # written by the writer callback; paho closes the socket once it is out
            await self._until(lambda: c.socket() is None)
        sock = c.socket()
        if sock is not None and self._loop is not None:  # the broker did not take it in time
            self._loop.remove_reader(sock)
            self._loop.remove_writer(sock)
            sock.close()
        self._loop = None
        self.connected = False

    @staticmethod
    async def _until(done: Callable[[], bool]) -> None:
        deadline = time.monotonic() + STOP_WAIT_S
        while not done() and time.monotonic() < deadline:
            await asyncio.sleep(0.02)

    def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        """QoS 1, on the loop. Queued by paho while the connection is down."""
        self._client.publish(topic, payload, qos=1, retain=retain)

    def subscribe(self, topics: Iterable[str]) -> None:
        new = [t for t in topics if t not in self._topics]
        self._topics.update(new)
        if new and self._client.is_connected():  # else the connect callback subscribes
            self._client.subscribe([(t, 1) for t in new])

    def unsubscribe(self, topics: Iterable[str]) -> None:
        gone = [t for t in topics if t in self._topics]
        self._topics.difference_update(gone)
        if gone and self._client.is_connected():
            self._client.unsubscribe(gone)
