"""The uplink's configuration: ``config/uplink.yaml`` (every key optional), shared by gateways and central workers.

Broker address and credentials, topic prefix, batching, end-to-end acknowledgement and the
gateway's disk buffer; HTTP push for gateways that cannot speak MQTT.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field

from scada.config.model_file import load_model_file
from scada.config.schema import Model

UPLINK_FILE = "uplink.yaml"

Positive = Annotated[float, Field(gt=0)]
Port = Annotated[int, Field(ge=1, le=65535)]


class Tls(Model):
    """TLS to the broker: on when ``ca`` is set; ``cert``/``key`` add a client certificate."""

    ca: str | None = None
    cert: str | None = None
    key: str | None = None


class Credentials(Model):
    """A broker user; ``{enterprise}`` in the name is replaced by the gateway's enterprise code."""

    username: str | None = None
    password_env: str | None = None  # name of the environment variable holding the password

    def user(self, enterprise: str = "") -> str | None:
        return self.username.replace("{enterprise}", enterprise) if self.username else None

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


class Broker(Model):
    host: str = "127.0.0.1"
    port: Port = 1883
    keepalive_s: Annotated[int, Field(ge=2, le=600)] = 10
    tls: Tls = Tls()
    gateway: Credentials = Credentials(username="{enterprise}", password_env="SCADA_MQTT_PASSWORD")
    worker: Credentials = Credentials(username=None, password_env="SCADA_MQTT_PASSWORD")


class Batching(Model):
    max_samples: Annotated[int, Field(ge=1, le=100_000)] = 1000  # a batch is sent when this many samples wait ...
    # ... or when the oldest has waited this long: the wait is in every sample's latency (the platform's p99 target is
    # 2 s gateway → historian; 1.0 s left the national bench at p99 1.6–2.0 s, 0.5 s at 1.0–1.3 s for 0.1 more core)
    max_delay_s: Positive = 0.5
    compress: bool = True  # zlib over the JSON body: tag names repeat, ~5x smaller on a metered line


class Buffer(Model):
    path: str = "edge-buffer.db"  # relative to the data folder
    max_samples: Annotated[int, Field(ge=1_000)] = 20_000_000  # ≈ 1 h of 5,500 values/s: beyond it new batches are refused


class HttpPush(Model):
    """Push batches over HTTPS instead of MQTT (a gateway that cannot reach the broker)."""

    url: str | None = None  # e.g. https://scada.example.cn:8088 — set to use HTTP push
    token_env: str = "SCADA_EDGE_TOKEN"  # environment variable holding this gateway's token
    timeout_s: Positive = 10.0

    def token(self) -> str:
        return os.environ.get(self.token_env, "")


class UplinkConfig(Model):
    broker: Broker = Broker()
    topic_prefix: str = "scada/v1"
    batch: Batching = Batching()
    window: Annotated[int, Field(ge=1, le=10_000)] = 200  # batches published and not yet acknowledged
    # No acknowledgement progress for this long: publish the unacknowledged again. A gap is asked for by the worker at
    # once (resend_from), so this only covers a loss at the end of a stream — and must not fire at a central that is
    # merely busy: in a burst its copies were 5 % extra work at 5 s (bench/national.py).
    ack_timeout_s: Positive = 15.0
    late_after_s: Positive = 30.0  # a batch published this long after it was made is late (history only, no alarms)
    buffer: Buffer = Buffer()
    http: HttpPush = HttpPush()
    announce_every_s: Positive = 10.0  # workers publish their ingest statistics this often
    # A worker stores what arrived at most this often: one historian write of many gateways' batches instead of
    # one per batch (at 440 gateways ~100 small writes/s to InfluxDB), for at most this much more latency.
    commit_every_s: Annotated[float, Field(ge=0.0, le=5.0)] = 0.2


def load_uplink_config(config_dir: Path) -> UplinkConfig:
    return load_model_file(Path(config_dir) / UPLINK_FILE, UplinkConfig)
