"""The shipped demo configuration: valid, and as large and varied as the issue asks."""

from __future__ import annotations

from collections import Counter

from scada.cli import main
from scada.config.schema import ModbusSource, OpcUaSource


def test_check_config_passes_on_the_demo(capsys) -> None:
    assert main(["check-config", "config"]) == 0
    assert capsys.readouterr().out.startswith("OK config: 8 enterprises, 22 hazard sources, 621 points")


def test_demo_size_and_variety(demo_plant) -> None:
    site = demo_plant.site
    assert len(site.districts) >= 3 and "北京经济技术开发区" in {d.name for d in site.districts}
    assert [p.name for p in site.parks] == ["燕山地区"]
    assert len(demo_plant.enterprises) >= 8
    kinds = Counter(hs.kind for _, hs in demo_plant.hazard_sources)
    assert len(demo_plant.hazard_sources) >= 20 and set(kinds) == {"tank_farm", "warehouse", "production_unit"}
    assert len(demo_plant.points) >= 600
    assert {"pressure", "level", "temperature", "combustible_gas", "toxic_gas"} <= {p.point.kind for p in demo_plant.points}
    chemicals = {c.name for _, hs in demo_plant.hazard_sources for c in hs.chemicals}
    assert {"液化石油气", "液氨", "液氯", "甲醇", "汽油", "苯"} <= chemicals
    assert {p.device.protocol for p in demo_plant.points} == {"modbus_tcp", "opcua"}


def test_template_expansion_with_overrides_and_addresses(demo_plant) -> None:
    tank = demo_plant.point_by_tag["E01.T102.LT"]
    assert tank.point.tag == "LT-T10201" and tank.point.thresholds.high_high == 17.5
    assert isinstance(tank.point.source, ModbusSource)
    assert tank.point.source.address == 20 and tank.point.source.type == "float32"  # template address 0 + address_base 20
    hcl = demo_plant.point_by_tag["E03.H201.AT1"]
    assert hcl.point.gas == "HCl" and hcl.point.thresholds.high == 7.5  # override of the template's NH3 limits
    opc = demo_plant.point_by_tag["E05.V101.PT"]
    assert isinstance(opc.point.source, OpcUaSource) and opc.point.source.node == "ns=2;s=E05.V101.PT"
    assert opc.code == "E05.V101.PT"


def test_gas_setpoints_follow_gbt50493(demo_plant) -> None:
    for ref in demo_plant.points:
        t = ref.point.thresholds
        if ref.point.kind == "combustible_gas":
            assert t.high <= 25 and t.high_high <= 50, ref.tag
