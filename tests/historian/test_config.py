"""historian.yaml: defaults when absent, every error located (file, line, field)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from historian.config import HistorianConfig, load_historian_config
from scada.cli import main
from scada.config import ConfigError

ROOT = Path(__file__).resolve().parents[2]


def test_absent_file_means_the_embedded_defaults(tmp_path: Path) -> None:
    config = load_historian_config(tmp_path)
    assert config.backend == "sqlite" and not config.remote
    assert config.retention.raw_days >= 30


def test_the_demo_file_is_valid() -> None:
    assert load_historian_config(ROOT / "config").backend == "sqlite"


def test_errors_name_file_line_and_field(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # paths in messages are relative to where the command runs
    (tmp_path / "historian.yaml").write_text(
        "backend: influx\nretention:\n  raw_days: 7\nrecord:\n  - match: 'E01.*'\n    deadbnd: 1\nbatch:\n  max_rows: 0\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_historian_config(tmp_path)
    assert [str(i) for i in caught.value.issues] == [
        "historian.yaml:1 backend: Input should be 'sqlite', 'influxdb1' or 'influxdb2' (got 'influx')",
        "historian.yaml:3 retention.raw_days: Input should be greater than or equal to 30 (got 7)",
        "historian.yaml:6 record[0].deadbnd: unknown key",
        "historian.yaml:8 batch.max_rows: Input should be greater than or equal to 1 (got 0)",
    ]


def test_check_config_reports_historian_errors_too(tmp_path: Path, capsys, monkeypatch) -> None:
    tree = tmp_path / "config"
    shutil.copytree(ROOT / "config", tree)
    (tree / "historian.yaml").write_text("retention:\n  raw_days: 400\n  minute_days: 100\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check-config", str(tree)]) == 1
    assert "config/historian.yaml:1 retention: Value error, raw_days ≤ minute_days ≤ hour_days" in capsys.readouterr().out


def test_minute_days_zero_keeps_no_minute_tier_and_still_checks_the_others() -> None:
    assert HistorianConfig.model_validate({"retention": {"minute_days": 0}}).retention.tiers == ("1h",)
    assert HistorianConfig().retention.tiers == ("1m", "1h")
    with pytest.raises(ValueError, match="raw_days ≤ minute_days ≤ hour_days"):
        HistorianConfig.model_validate({"retention": {"minute_days": 0, "raw_days": 400, "hour_days": 300}})
