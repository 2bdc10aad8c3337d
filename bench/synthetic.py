"""Write a synthetic plant configuration for benchmarks: N points on Modbus TCP or OPC UA devices.

Each device carries ``points_per_device`` float32 points (Modbus: contiguous registers, so
coalescing yields full 125-register reads; OPC UA: one object per 100 points).
"""

from __future__ import annotations

import socket
from pathlib import Path

import yaml


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_plant(root: Path, protocol: str, points: int, points_per_device: int, scan_period_s: float) -> Path:
    (root / "enterprises").mkdir(parents=True, exist_ok=True)
    site = {
        "city": {"code": "BJ", "name": "北京市"},
        "districts": [{"code": "FS", "name": "房山区"}],
        "scan_classes": {"normal": {"period_s": scan_period_s}},
    }
    (root / "site.yaml").write_text(yaml.safe_dump(site, allow_unicode=True), encoding="utf-8")
    devices, equipment = [], []
    n_devices = -(-points // points_per_device)
    for d in range(n_devices):
        dev_id = f"D{d:03d}"
        if protocol == "modbus":
            devices.append({"id": dev_id, "protocol": "modbus_tcp", "host": "127.0.0.1", "port": free_port(), "unit_id": 1, "timeout_s": 2})
        else:
            devices.append({"id": dev_id, "protocol": "opcua", "endpoint": f"opc.tcp://127.0.0.1:{free_port()}", "timeout_s": 10})
        count = min(points_per_device, points - d * points_per_device)
        for e in range(-(-count // 100)):
            eq_points = []
            for i in range(min(100, count - e * 100)):
                n = e * 100 + i
                source = {"address": n * 2} if protocol == "modbus" else {"node": f"ns=2;s=S01.{dev_id}E{e:02d}.P{i:03d}"}
                eq_points.append(
                    {
                        "key": f"P{i:03d}",
                        "name": f"点{n}",
                        "tag": f"PT-{dev_id}-{n}",
                        "kind": "pressure",
                        "unit": "MPa",
                        "range": [0, 10],
                        "thresholds": {"high": 8.0},
                        "source": source,
                    }
                )
            equipment.append(
                {"code": f"{dev_id}E{e:02d}", "name": f"设备{dev_id}-{e}", "kind": "other", "device": dev_id, "points": eq_points}
            )
    enterprise = {
        "enterprise": {
            "code": "S01",
            "name": "基准企业",
            "address": "-",
            "principal": {"name": "-"},
            "district": "FS",
            "gateway": {"id": "GW-S01"},
        },
        "devices": devices,
        "hazard_sources": [
            {
                "code": "S01-HS1",
                "name": "基准装置",
                "kind": "production_unit",
                "people_within_500m": 0,
                "chemicals": [{"name": "甲醇", "max_quantity_t": 1000, "hazard_class": "W5.3"}],
                "equipment": equipment,
            }
        ],
    }
    (root / "enterprises" / "s01.yaml").write_text(yaml.safe_dump(enterprise, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root
