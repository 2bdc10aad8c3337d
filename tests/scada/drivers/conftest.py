"""A small plant on free loopback ports: two Modbus devices (one per server) and one OPC UA device.

Device P1 carries a point of every data type and byte/word order; P2 is a second device for
"one slow device never delays another"; UA1 is served by the simulator's OPC UA server.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rig import free_port

from scada.config import Plant, load_plant

SITE = """
city: {code: BJ, name: 北京市}
districts: [{code: FS, name: 房山区}]
scan_classes:
  fast: {period_s: 0.2}
  normal: {period_s: 0.5}
"""

TYPES = [
    ("I16", "int16", "big", "big"),
    ("U16", "uint16", "big", "big"),
    ("I32", "int32", "big", "big"),
    ("I32S", "int32", "big", "little"),
    ("U32", "uint32", "little", "big"),
    ("F32", "float32", "big", "big"),
    ("F32S", "float32", "big", "little"),
    ("F32B", "float32", "little", "little"),
    ("F64", "float64", "big", "big"),
    ("F64S", "float64", "little", "little"),
]


def write_tree(root: Path) -> Path:
    (root / "enterprises").mkdir(parents=True)
    (root / "site.yaml").write_text(SITE, encoding="utf-8")
    p1, p2, ua = free_port(), free_port(), free_port()
    points = []
    address = 0
    for key, type_, byte_order, word_order in TYPES:
        points.append(
            f"          - {{key: {key}, name: {key}, tag: {key}-1, kind: other, unit: '',\n"
            f"             range: [{0 if type_.startswith('u') else -1000}, 1000], scan_class: fast,\n"
            f"             source: {{address: {address}, type: {type_}, byte_order: {byte_order}, word_order: {word_order}}}}}"
        )
        address += 4 + (2 if address % 8 else 0)  # uneven gaps: some coalesced, some read through
    points.append(
        "          - {key: SCALED, name: 液位, tag: LT-1, kind: level, unit: m, range: [0, 20], thresholds: {high: 16, high_high: 18},\n"
        "             scan_class: fast, source: {table: input, address: 0, type: uint16, scale: {raw: [0, 20000], eng: [0, 20]}}}"
    )
    points.append(
        "          - {key: SW, name: 开关, tag: LS-1, kind: other, unit: '', range: [0, 1], scan_class: fast,\n"
        "             source: {table: coil, address: 3, type: bool}}"
    )
    far = (
        "          - {key: FAR, name: 远端, tag: PT-9, kind: pressure, unit: MPa, range: [0, 2], thresholds: {high: 1.6},\n"
        "             source: {address: 300}}"
    )
    tree = f"""
enterprise: {{code: T01, name: 测试企业, address: 测试地址, principal: {{name: 张三}}, district: FS, gateway: {{id: GW-T01}}}}
devices:
  - {{id: P1, protocol: modbus_tcp, host: 127.0.0.1, port: {p1}, unit_id: 1, timeout_s: 0.3}}
  - {{id: P2, protocol: modbus_tcp, host: 127.0.0.1, port: {p2}, unit_id: 7, timeout_s: 0.3}}
  - {{id: UA1, protocol: opcua, endpoint: "opc.tcp://127.0.0.1:{ua}", timeout_s: 2}}
hazard_sources:
  - code: T01-HS1
    name: 罐区
    kind: tank_farm
    people_within_500m: 10
    chemicals: [{{name: 甲醇, max_quantity_t: 600, hazard_class: W5.3}}]
    equipment:
      - code: EQ1
        name: 类型测试
        kind: other
        device: P1
        points:
{chr(10).join(points)}
{far}
      - code: EQ2
        name: 第二台设备
        kind: tank
        device: P2
        points:
          - {{key: LT, name: 液位, tag: LT-2, kind: level, unit: m, range: [0, 20], thresholds: {{high: 16}}, scan_class: fast,
             source: {{address: 0}}}}
      - code: EQ3
        name: OPC UA 储罐
        kind: tank
        device: UA1
        points:
          - {{key: LT, name: 液位, tag: LT-3, kind: level, unit: m, range: [0, 20], thresholds: {{high: 16}}, deadband: 0.01,
             scan_class: fast, source: {{node: "ns=2;s=T01.EQ3.LT"}}}}
          - {{key: TT, name: 温度, tag: TT-3, kind: temperature, unit: °C, range: [-20, 80], thresholds: {{high: 40}},
             scan_class: normal, source: {{node: "ns=2;s=T01.EQ3.TT"}}}}
"""
    (root / "enterprises" / "t01.yaml").write_text(tree, encoding="utf-8")
    return root


@pytest.fixture
def small_plant(tmp_path: Path) -> Plant:
    return load_plant(write_tree(tmp_path / "config"))
