"""Cross-checks of a schema-valid configuration: the rules that relate fields and files.

Threshold order and range, references (district, park, device, scan class), duplicate codes,
Modbus address overlaps, chemicals that GB 18218 cannot grade, gas setpoints against
GB/T 50493. Every finding is a ``ConfigIssue`` located at the field that must change.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from typing import Any

from scada.config.errors import ConfigIssue
from scada.config.schema import (
    MODBUS_TYPE_WORDS,
    EnterpriseFile,
    Equipment,
    HazardSource,
    ModbusDevice,
    ModbusSource,
    Model,
    OpcUaSource,
    Point,
    SiteFile,
)
from scada.config.validation import where_in
from scada.config.where import Where
from scada.standards import gb18218, gbt50493

THRESHOLD_ORDER = ("low_low", "low", "high", "high_high")


def loc(model: Model, *path: str | int) -> Where:
    """Where ``model`` (or a field path inside it) was written."""
    return where_in(model._raw, path, model._raw.where)


def instance_loc(p: Point, eq: Equipment, field: str) -> Where:
    """Where to report a problem that depends on the equipment instance, not on the template.

    A point expanded from a template was written in the template file; a duplicate tag or an
    overlapping register is the instance's doing, so it is reported at the equipment instead.
    """
    where, eq_where = loc(p, field), loc(eq)
    if where.file == eq_where.file:
        return where
    return Where(eq_where.file, eq_where.line, f"{eq_where.path}.points[{p.key}].{field}")


class Checker:
    def __init__(self, site: SiteFile) -> None:
        self.site = site
        self.issues: list[ConfigIssue] = []
        self.districts = {d.code for d in site.districts}
        self.parks = {p.code: p for p in site.parks}

    def add(self, where: Where, message: str) -> None:
        self.issues.append(ConfigIssue(where, message))

    def unique(self, items: Iterable[tuple[str, Where]], what: str) -> None:
        seen: dict[str, Where] = {}
        for code, where in items:
            if code in seen:
                first = seen[code]
                self.add(where, f"duplicate {what} {code!r} (first defined at {first.file}:{first.line})")
            else:
                seen[code] = where

    # -- site -----------------------------------------------------------------------------------

    def check_site(self) -> None:
        site = self.site
        self.unique(((d.code, loc(d, "code")) for d in site.districts), "district code")
        self.unique(((p.code, loc(p, "code")) for p in site.parks), "park code")
        for park in site.parks:
            if park.district not in self.districts:
                self.add(loc(park, "district"), f"unknown district {park.district!r} (districts: {', '.join(sorted(self.districts))})")

    # -- enterprises ----------------------------------------------------------------------------

    def check_enterprises(self, files: list[EnterpriseFile]) -> None:
        self.unique(((f.enterprise.code, loc(f.enterprise, "code")) for f in files), "enterprise code")
        self.unique(((hs.code, loc(hs, "code")) for f in files for hs in f.hazard_sources), "hazard source code")
        self.unique(((f.enterprise.gateway.id, loc(f.enterprise.gateway, "id")) for f in files), "gateway id")
        codes = []
        for f in files:
            self.check_enterprise(f)
            for hs in f.hazard_sources:
                for eq in hs.equipment:
                    for p in eq.points:
                        code = p.code or f"{f.enterprise.code}.{eq.code}.{p.key}"
                        codes.append((code, instance_loc(p, eq, "code" if p.code else "key")))
        self.unique(codes, "point code")

    def check_enterprise(self, f: EnterpriseFile) -> None:
        ent = f.enterprise
        if ent.district not in self.districts:
            self.add(loc(ent, "district"), f"unknown district {ent.district!r} (districts: {', '.join(sorted(self.districts))})")
        if ent.park is not None:
            park = self.parks.get(ent.park)
            if park is None:
                self.add(loc(ent, "park"), f"unknown park {ent.park!r} (parks: {', '.join(sorted(self.parks)) or 'none'})")
            elif park.district != ent.district:
                self.add(loc(ent, "district"), f"park {park.code!r} lies in district {park.district!r}, not {ent.district!r}")
        self.unique(((d.id, loc(d, "id")) for d in f.devices), "device id")
        devices = {d.id: d for d in f.devices}
        self.unique(((eq.code, loc(eq, "code")) for hs in f.hazard_sources for eq in hs.equipment), "equipment code")
        self.unique(
            ((p.tag, instance_loc(p, eq, "tag")) for hs in f.hazard_sources for eq in hs.equipment for p in eq.points), "instrument tag"
        )
        used: dict[tuple[str, str, int], tuple[str, Where]] = {}
        for hs in f.hazard_sources:
            self.check_chemicals(hs)
            for eq in hs.equipment:
                self.unique(((p.key, instance_loc(p, eq, "key")) for p in eq.points), "point key")
                if eq.device is not None and eq.device not in devices:
                    self.add(loc(eq, "device"), self._no_device(eq.device, devices))
                for p in eq.points:
                    self.check_point(p, eq, devices, used)

    def _no_device(self, name: str, devices: dict[str, Any]) -> str:
        return f"device {name!r} does not exist in this enterprise (devices: {', '.join(devices) or 'none'})"

    # -- chemicals ------------------------------------------------------------------------------

    def check_chemicals(self, hs: HazardSource) -> None:
        for chem in hs.chemicals:
            try:
                gb18218.grade_chemical(chem.grading_input())
            except gb18218.GradingError as exc:
                field = "hazard_class" if chem.hazard_class else "name"
                self.add(loc(chem, field), str(exc))

    # -- points ---------------------------------------------------------------------------------

    def check_point(self, p: Point, eq: Equipment, devices: dict[str, Any], used: dict[tuple[str, str, int], tuple[str, Where]]) -> None:
        low, high = p.range
        if low >= high:
            self.add(loc(p, "range"), f"instrument range low {low} must be below high {high}")
        present = [(name, getattr(p.thresholds, name)) for name in THRESHOLD_ORDER if getattr(p.thresholds, name) is not None]
        for (name_a, a), (name_b, b) in itertools.pairwise(present):
            if a >= b:
                self.add(loc(p, "thresholds", name_a), f"{a} must be below {name_b} {b}")
        for name, value in present:
            if low < high and not low <= value <= high:
                self.add(loc(p, "thresholds", name), f"{value} is outside the instrument range [{low}, {high}]")
        if low < high and p.deadband >= high - low:
            self.add(loc(p, "deadband"), f"{p.deadband:g} is not smaller than the instrument span {high - low:g}")
        if p.scan_class not in self.site.scan_classes:
            self.add(loc(p, "scan_class"), f"unknown scan class {p.scan_class!r} (scan classes: {', '.join(self.site.scan_classes)})")
        self.check_gas(p)
        device_id = p.device or eq.device
        if device_id is None:
            self.add(instance_loc(p, eq, "device"), "no device: set device on the point or on its equipment")
            return
        device = devices.get(device_id)
        if device is None:
            if p.device is not None:
                self.add(loc(p, "device"), self._no_device(p.device, devices))
            return
        if isinstance(device, ModbusDevice) and not isinstance(p.source, ModbusSource):
            self.add(instance_loc(p, eq, "source"), f"device {device_id!r} speaks Modbus TCP: source needs address (and type), not node")
        elif not isinstance(device, ModbusDevice) and not isinstance(p.source, OpcUaSource):
            self.add(instance_loc(p, eq, "source"), f"device {device_id!r} speaks OPC UA: source needs node, not address")
        elif isinstance(p.source, ModbusSource):
            self.check_register(p, eq, p.source, device_id, used)

    def check_register(
        self, p: Point, eq: Equipment, src: ModbusSource, device_id: str, used: dict[tuple[str, str, int], tuple[str, Where]]
    ) -> None:
        if src.table in ("coil", "discrete") and src.type != "bool":
            self.add(loc(p, "source", "type"), f"a {src.table} holds one bit: type must be bool, not {src.type}")
        width = MODBUS_TYPE_WORDS[src.type] if src.table in ("holding", "input") else 1
        where = instance_loc(p, eq, "source")
        if src.address + width - 1 > 65535:
            self.add(where, f"{src.type} at address {src.address} runs past the last register 65535")
        for offset in range(width):
            slot = (device_id, src.table, src.address + offset)
            if slot in used:
                other, first = used[slot]
                self.add(
                    where,
                    f"{src.table} register {src.address + offset} on device {device_id!r} "
                    f"is already used by {other} ({first.file}:{first.line})",
                )
                return
        for offset in range(width):
            used[(device_id, src.table, src.address + offset)] = (f"{eq.code}.{p.key}", where)

    def check_gas(self, p: Point) -> None:
        t = p.thresholds
        if p.kind == "combustible_gas":
            if p.unit != "%LEL":
                self.add(loc(p, "unit"), f"a combustible gas detector reads %LEL, not {p.unit!r}")
            for name, limit in (("high", gbt50493.COMBUSTIBLE_FIRST_LEVEL_MAX), ("high_high", gbt50493.COMBUSTIBLE_SECOND_LEVEL_MAX)):
                value = getattr(t, name)
                if value is not None and value > limit:
                    self.add(loc(p, "thresholds", name), f"{value:g} %LEL exceeds the GB/T 50493 limit of {limit:g} %LEL")
        elif p.kind == "toxic_gas":
            if p.unit not in gbt50493.TOXIC_UNITS:
                self.add(loc(p, "unit"), f"a toxic gas detector reads {' or '.join(gbt50493.TOXIC_UNITS)}, not {p.unit!r}")
            if p.gas is None:
                return
            setpoint = gbt50493.toxic_setpoint(p.gas)
            if setpoint is None:
                self.add(loc(p, "gas"), f"gas {p.gas!r} is not in the GB/T 50493 setpoint table ({', '.join(gbt50493.toxic_gas_names())})")
            elif p.unit == "mg/m3":
                for name, limit in (("high", setpoint.first_level_mg_m3), ("high_high", setpoint.second_level_mg_m3)):
                    value = getattr(t, name)
                    if value is not None and value > limit:
                        self.add(
                            loc(p, "thresholds", name),
                            f"{value:g} mg/m3 exceeds the GB/T 50493 setpoint for {setpoint.gas} ({limit:g} mg/m3)",
                        )
