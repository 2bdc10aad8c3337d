"""The settings table: one place that feeds the code, the CLI and the documentation.

Each setting is read, in rising priority, from its default, the environment variable
``SCADA_<NAME>`` and the command-line option ``--<name-with-dashes>``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: Any
    help: str

    @property
    def env(self) -> str:
        return f"SCADA_{self.name.upper()}"

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")


SETTINGS: tuple[Setting, ...] = (
    Setting("config_dir", "config", "configuration tree: site.yaml, templates/, enterprises/ 配置目录"),
    Setting("data_dir", "data", "folder for embedded databases (SQLite store and historian) 数据目录"),
    Setting(
        "database_url",
        "",
        "relational store URL; empty means SQLite at <data_dir>/scada.db, e.g. postgresql+psycopg://scada@127.0.0.1:5432/scada 关系库地址",
    ),
    Setting("log_level", "INFO", "DEBUG, INFO, WARNING or ERROR 日志级别"),
    Setting("log_format", "text", "text (one readable line per event) or json (one JSON object per line) 日志格式"),
    Setting("status_interval_s", 60.0, "seconds between status lines of a running server (points, bus queues) 状态日志间隔"),
    Setting("hmi_host", "127.0.0.1", "address the HMI and REST API listen on 人机界面监听地址"),
    Setting("hmi_port", 8050, "port of the HMI and REST API; 0 turns the HMI off 人机界面端口"),
    Setting(
        "hmi_session_timeout_s", 1800.0, "sign out after this many seconds without user activity (live polling does not count) 会话超时"
    ),
    Setting(
        "source",
        "poll",
        "where values come from: poll (drivers poll every device) or mqtt (edge gateways' streams via the broker in uplink.yaml) 数据来源",
    ),
    Setting("worker_id", "", "this central worker's name among several (source mqtt); empty means <host>-<pid> 工作进程名"),
    Setting("edge_http_port", 0, "port of HTTP push for gateways that cannot speak MQTT; 0 turns it off 网关HTTP推送端口"),
    Setting("edge_http_host", "127.0.0.1", "address HTTP push listens on 网关HTTP推送监听地址"),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}


@dataclass(frozen=True)
class Settings:
    config_dir: Path
    data_dir: Path
    database_url: str
    log_level: str
    log_format: str
    status_interval_s: float
    hmi_host: str = "127.0.0.1"
    hmi_port: int = 8050
    hmi_session_timeout_s: float = 1800.0
    source: str = "poll"
    worker_id: str = ""
    edge_http_port: int = 0
    edge_http_host: str = "127.0.0.1"

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'scada.db'}"


def resolve(cli_values: dict[str, Any] | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Defaults, overridden by ``SCADA_*`` environment variables, overridden by CLI values (not None)."""
    env = os.environ if environ is None else environ
    cli = cli_values or {}
    values: dict[str, Any] = {}
    for s in SETTINGS:
        value = cli.get(s.name)
        if value is None:
            value = env.get(s.env, s.default)
        values[s.name] = type(s.default)(value) if not isinstance(s.default, str) else str(value)
    values["config_dir"] = Path(values["config_dir"])
    values["data_dir"] = Path(values["data_dir"])
    return Settings(**values)
