"""The historian's configuration: ``config/historian.yaml`` (every key optional; defaults are the embedded setup).

Which backend, how writes are batched, what gets recorded (deadband and heartbeat per point,
by tag pattern), how long each tier is kept, and the store-and-forward buffer's bound.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, model_validator

from scada.config.model_file import load_model_file
from scada.config.schema import Model

HISTORIAN_FILE = "historian.yaml"
LEGAL_MIN_RAW_DAYS = 30  # 北京市 rules: monitoring data kept at least 30 days

Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


class SqliteOptions(Model):
    path: str = "history.db"  # relative to the data folder


class Influx1Options(Model):
    url: str = "http://127.0.0.1:8086"
    database: str = "scada"
    username: str | None = None
    password_env: str | None = None  # name of the environment variable holding the password
    timeout_s: Positive = 10.0

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None


class Influx2Options(Model):
    url: str = "http://127.0.0.1:8086"
    org: str = "scada"
    bucket: str = "scada"  # raw tier; rollups go to <bucket>_1m and <bucket>_1h
    token_env: str = "SCADA_INFLUX_TOKEN"  # name of the environment variable holding the API token
    timeout_s: Positive = 10.0

    def token(self) -> str:
        return os.environ.get(self.token_env, "")


class BatchOptions(Model):
    max_rows: Annotated[int, Field(ge=1, le=100_000)] = 5_000  # flush when this many rows wait
    max_delay_s: Positive = 1.0  # ... or when the oldest waiting row is this old


class BufferOptions(Model):
    """Store-and-forward in front of a remote historian (InfluxDB)."""

    path: str = "history-buffer.db"  # relative to the data folder
    max_rows: Annotated[int, Field(ge=1_000)] = 50_000_000  # ≈ 40 min of 20,000 points/s
    warn_fraction: Annotated[float, Field(gt=0, lt=1)] = 0.8  # alarm when the buffer is this full
    retry_s: Positive = 2.0  # first retry after a failed forward; doubles up to 60 s
    # Parallel HTTP writes per forward: influxd works on one write request with about one core.
    forward_connections: Annotated[int, Field(ge=1, le=8)] = 2


class Retention(Model):
    raw_days: Annotated[float, Field(ge=LEGAL_MIN_RAW_DAYS)] = 90.0
    # 0: no 1-minute tier (trends below an hour read raw) — for points that report about once a minute or less
    # often, where a minute rollup is as many rows as raw (docs/configuration.md)
    minute_days: NonNegative = 400.0
    hour_days: Positive = 3650.0

    @model_validator(mode="after")
    def _tiers_grow(self) -> Retention:
        if not self.raw_days <= (self.minute_days or self.raw_days) <= self.hour_days:
            raise ValueError("raw_days ≤ minute_days ≤ hour_days (or minute_days 0): a coarser tier must be kept at least as long")
        return self

    @property
    def tiers(self) -> tuple[str, ...]:
        """The rollup tiers kept, finest first."""
        return ("1m", "1h") if self.minute_days else ("1h",)

    @property
    def days(self) -> dict[str, float]:
        """Days kept per tier, raw included; a tier not kept is absent."""
        return {tier: days for tier, days in (("raw", self.raw_days), ("1m", self.minute_days), ("1h", self.hour_days)) if days}


class RecordRule(Model):
    """Recording rule for the points whose tag matches ``match`` (the last matching rule wins)."""

    match: str  # tag pattern, e.g. "E01.*.LT*" or an exact tag
    deadband: NonNegative | None = None  # engineering units; a smaller change is not recorded
    max_interval_s: Positive | None = None  # heartbeat: record an unchanged value at least this often


class HistorianConfig(Model):
    backend: Literal["sqlite", "influxdb1", "influxdb2"] = "sqlite"
    sqlite: SqliteOptions = SqliteOptions()
    influxdb1: Influx1Options = Influx1Options()
    influxdb2: Influx2Options = Influx2Options()
    batch: BatchOptions = BatchOptions()
    buffer: BufferOptions = BufferOptions()
    retention: Retention = Retention()
    deadband: NonNegative = 0.0  # default: every change is recorded
    max_interval_s: Positive = 60.0  # default heartbeat
    record: list[RecordRule] = Field(default_factory=list)
    rollup_every_s: Positive = 60.0

    @property
    def remote(self) -> bool:
        return self.backend != "sqlite"


def load_historian_config(config_dir: Path) -> HistorianConfig:
    """``<config_dir>/historian.yaml``, or the defaults when the file is absent; raises ``ConfigError``."""
    return load_model_file(config_dir / HISTORIAN_FILE, HistorianConfig)
