"""The camera registry: the demo file loads; every mistake is reported with file, line and field."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scada.config import ConfigError
from video.config import load_cameras, masked

ROOT = Path(__file__).resolve().parents[2]


def test_the_demo_registry_loads_with_defaults_applied(demo_plant) -> None:
    reg = load_cameras(ROOT / "config", demo_plant)
    assert len(reg.cameras) == 24 and {c.enterprise for c in reg.cameras} == {f"E0{i}" for i in range(1, 9)}
    cam = reg.get("E01.CAM02")
    assert (cam.role, cam.hazard_source, cam.equipment) == ("hazard_source", "E01-HS1", "T101")
    assert cam.check_interval_s == 5 and cam.thresholds.lost_after_s == 15 and cam.thresholds.freeze_change == 0.3


def test_no_file_means_no_cameras(tmp_path: Path, demo_plant) -> None:
    assert load_cameras(tmp_path, demo_plant).cameras == ()


def test_every_error_names_its_file_line_and_field(tmp_path: Path, demo_plant, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cameras.yaml").write_text(
        """defaults:
  thresholds: {lost_after_s: 5}
cameras:
  E01:
    - {id: CAM01, name: 值班室, role: duty_room, url: "rtsp://admin:hunter2@10.0.0.5/ch1"}
    - {id: CAM02, name: 罐区, role: hazard_source, url: http://10.0.0.6/video.mjpg}
    - id: CAM03
      name: 罐区
      role: hazard_source
      hazard_source: E01-HS9
      url: rtsp://10.0.0.7/ch1
    - {id: CAM04, name: 球罐, role: key_spot, hazard_source: E01-HS2, equipment: T101, url: ftp://10.0.0.8/x}
    - {id: CAM04, name: 重复, role: key_spot, url: rtsp://10.0.0.9/ch1}
    - {id: CAM05, name: 阈值, role: key_spot, url: rtsp://10.0.0.9/ch1, thresholds: {frozen_afer_s: 3, lost_after_s: -1}}
  E99:
    - {id: CAM01, name: 无此企业, role: duty_room, url: rtsp://10.0.0.10/ch1}
""",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as exc:
        load_cameras(tmp_path, demo_plant)
    report = exc.value.report().splitlines()
    expected = [
        "cameras.yaml:5 cameras.E01[0].url: 'rtsp://***@10.0.0.5/ch1' has a password in it: name environment variables in "
        "username_env/password_env",
        "cameras.yaml:6 cameras.E01[1].hazard_source: a hazard_source camera must name the hazard source it watches",
        "cameras.yaml:10 cameras.E01[2].hazard_source: no hazard source 'E01-HS9' in E01 (hazard sources: E01-HS1, E01-HS2, E01-HS3)",
        "cameras.yaml:12 cameras.E01[3].equipment: no equipment 'T101' in E01-HS2",
        "cameras.yaml:12 cameras.E01[3].url: unsupported stream 'ftp://10.0.0.8/x': use rtsp, rtsps, http, https, file (or a file path)",
        "cameras.yaml:13 cameras.E01[4].id: duplicate camera id 'CAM04' (first at line 12)",
        "cameras.yaml:14 cameras.E01[5].thresholds.frozen_afer_s: unknown key",
        "cameras.yaml:14 cameras.E01[5].thresholds.lost_after_s: Input should be greater than or equal to 0 (got -1)",
        "cameras.yaml:15 cameras.E99: no enterprise 'E99' in the plant (enterprises: E01, E02, E03, E04, E05, E06, E07, E08)",
    ]
    assert report == expected
    assert "hunter2" not in exc.value.report()


def test_check_config_reports_camera_errors_too(tmp_path: Path, capsys) -> None:
    from scada.cli import main

    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    text = (config / "cameras.yaml").read_text(encoding="utf-8").replace("hazard_source: E03-HS1", "hazard_source: E03-HS7")
    (config / "cameras.yaml").write_text(text, encoding="utf-8")
    assert main(["check-config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "cameras.yaml:" in out and "cameras.E03[1].hazard_source: no hazard source 'E03-HS7' in E03" in out


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("rtsp://admin:pw@10.0.0.5:554/ch1", "rtsp://***@10.0.0.5:554/ch1"),
        ("rtsp://admin@10.0.0.5/ch1", "rtsp://***@10.0.0.5/ch1"),
        ("http://10.0.0.5/x.mjpg", "http://10.0.0.5/x.mjpg"),
    ],
)
def test_masked_urls_carry_no_credentials(url: str, shown: str) -> None:
    assert masked(url) == shown
