"""The configuration schema: what each YAML file may contain, field by field.

Structure only (types, required fields, allowed keys and values). Rules that relate fields or
files to each other — threshold order, references, duplicates, chemicals — live in
``scada.config.checks``. All models forbid unknown keys so a typo is an error, not a silent default.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, PrivateAttr, Tag

from scada.standards.gb18218 import ChemicalInput

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_\-]*$")]
Text = Annotated[str, Field(min_length=1)]
NonNegative = Annotated[float, Field(ge=0)]

POINT_KINDS = ("pressure", "level", "temperature", "combustible_gas", "toxic_gas", "flow", "other")
HAZARD_SOURCE_KINDS = ("tank_farm", "warehouse", "production_unit")
EQUIPMENT_KINDS = (
    "tank",
    "spherical_tank",
    "storage_zone",
    "reactor",
    "column",
    "vessel",
    "pump",
    "compressor",
    "pipeline",
    "detector_set",
    "other",
)


class Model(BaseModel):
    """Frozen, strict about keys; remembers the raw mapping it came from (for error locations)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    _raw: Any = PrivateAttr(default=None)


# -- site ---------------------------------------------------------------------------------------


class City(Model):
    code: Code
    name: Text


class District(Model):
    code: Code
    name: Text


class Park(Model):
    code: Code
    name: Text
    district: Code  # the district the park lies in
    authority: str = ""  # e.g. 燕山安监分局


class ScanClass(Model):
    period_s: Annotated[float, Field(gt=0)]


class SiteFile(Model):
    city: City
    districts: list[District] = Field(min_length=1)
    parks: list[Park] = []
    scan_classes: dict[Code, ScanClass] = Field(min_length=1)


# -- devices ------------------------------------------------------------------------------------


class ModbusDevice(Model):
    id: Code
    protocol: Literal["modbus_tcp"]
    host: Text
    port: Annotated[int, Field(ge=1, le=65535)] = 502
    unit_id: Annotated[int, Field(ge=0, le=255)] = 1
    timeout_s: Annotated[float, Field(gt=0)] = 2.0
    retries: Annotated[int, Field(ge=0, le=5)] = 1
    max_gap: Annotated[int, Field(ge=0, le=124)] = 8  # unused registers a block read may span between points


class OpcUaSecurity(Model):
    mode: Literal["None", "Sign", "SignAndEncrypt"] = "None"
    policy: Literal["None", "Basic256Sha256", "Aes128_Sha256_RsaOaep", "Aes256_Sha256_RsaPss"] = "None"
    username: str | None = None
    password_env: str | None = None  # name of the environment variable holding the password
    certificate: str | None = None
    private_key: str | None = None


class OpcUaDevice(Model):
    id: Code
    protocol: Literal["opcua"]
    endpoint: Annotated[str, Field(pattern=r"^opc\.tcp://")]
    security: OpcUaSecurity = OpcUaSecurity()
    timeout_s: Annotated[float, Field(gt=0)] = 4.0


Device = Annotated[ModbusDevice | OpcUaDevice, Field(discriminator="protocol")]


# -- points -------------------------------------------------------------------------------------


# Registers each Modbus data type occupies (one for every bit table entry).
MODBUS_TYPE_WORDS = {"int16": 1, "uint16": 1, "int32": 2, "uint32": 2, "float32": 2, "float64": 4, "bool": 1}


class Scale(Model):
    """Linear scaling raw → engineering units."""

    raw: tuple[float, float]
    eng: tuple[float, float]


class ModbusSource(Model):
    table: Literal["holding", "input", "coil", "discrete"] = "holding"
    address: Annotated[int, Field(ge=0, le=65535)]  # zero-based register or bit address
    type: Literal["int16", "uint16", "int32", "uint32", "float32", "float64", "bool"] = "float32"
    byte_order: Literal["big", "little"] = "big"
    word_order: Literal["big", "little"] = "big"
    scale: Scale | None = None


class OpcUaSource(Model):
    node: Text  # NodeId string, e.g. "ns=2;s=T101.LT"


def _source_kind(value: Any) -> str:
    return "opcua" if isinstance(value, dict) and "node" in value else "modbus"


Source = Annotated[
    Annotated[ModbusSource, Tag("modbus")] | Annotated[OpcUaSource, Tag("opcua")],
    Discriminator(_source_kind),
]


class Thresholds(Model):
    """The four alarm limits: 低低报 / 低报 / 高报 / 高高报 (二级下限 / 一级下限 / 一级上限 / 二级上限)."""

    low_low: float | None = None
    low: float | None = None
    high: float | None = None
    high_high: float | None = None


class PointFields(Model):
    """What a point and a template's point have in common."""

    key: Code  # unique inside its equipment; the tag name is ENTERPRISE.EQUIPMENT.KEY
    name: Text
    tag: Text  # 位号, the instrument tag on the P&ID
    kind: Literal[POINT_KINDS]  # type: ignore[valid-type]
    unit: str
    range: tuple[float, float]  # instrument range 量程 [low, high]
    thresholds: Thresholds = Thresholds()
    deadband: NonNegative = 0.0
    on_delay_s: NonNegative = 0.0
    off_delay_s: NonNegative = 0.0
    scan_class: Code = "normal"
    gas: str | None = None  # toxic gas name, to check setpoints against GB/T 50493
    out_of_range_quality: Literal["uncertain", "bad"] = "bad"


class Point(PointFields):
    """A monitoring point 监测点位, after template expansion."""

    code: Code | None = None  # 指标编码; defaults to the tag name
    device: Code | None = None  # defaults to the equipment's device
    source: Source


class Equipment(Model):
    code: Code
    name: Text
    kind: Literal[EQUIPMENT_KINDS]  # type: ignore[valid-type]
    template: Code | None = None
    device: Code | None = None
    address_base: Annotated[int, Field(ge=0, le=65535)] = 0
    overrides: dict[Code, dict[str, Any]] = {}
    points: list[Point] = []


class Chemical(Model):
    name: Text
    cas: str | None = None
    hazard_class: str | None = None  # GB 18218 table 2 class (e.g. W5.1); needed for β
    max_quantity_t: Annotated[float, Field(gt=0)]

    def grading_input(self) -> ChemicalInput:
        return ChemicalInput(self.name, self.max_quantity_t, self.cas, self.hazard_class)


class HazardSource(Model):
    """A major hazard source 重大危险源 candidate: graded by GB 18218-2018."""

    code: Code
    name: Text
    kind: Literal[HAZARD_SOURCE_KINDS]  # type: ignore[valid-type]
    people_within_500m: Annotated[int, Field(ge=0)]
    chemicals: list[Chemical] = Field(min_length=1)
    equipment: list[Equipment] = []


class Principal(Model):
    name: Text
    phone: str = ""


class Gateway(Model):
    """The enterprise's IoT gateway 物联网主机 that uploads its data."""

    id: Code
    vendor: str = ""


class Enterprise(Model):
    code: Code
    name: Text
    address: Text
    principal: Principal
    district: Code
    park: Code | None = None
    gateway: Gateway


class EnterpriseFile(Model):
    enterprise: Enterprise
    devices: list[Device] = []
    hazard_sources: list[HazardSource] = []


# -- templates ------------------------------------------------------------------------------------


class TemplateSource(Model):
    """A template point's source: Modbus fields (address relative to the equipment's
    ``address_base``) and/or an OPC UA node. On an OPC UA device, a template point without
    ``node`` reads ``ns=2;s=<ENTERPRISE>.<EQUIPMENT>.<KEY>``."""

    table: Literal["holding", "input", "coil", "discrete"] | None = None
    address: Annotated[int, Field(ge=0, le=65535)] | None = None
    type: Literal["int16", "uint16", "int32", "uint32", "float32", "float64", "bool"] | None = None
    byte_order: Literal["big", "little"] | None = None
    word_order: Literal["big", "little"] | None = None
    scale: Scale | None = None
    node: str | None = None


class TemplatePoint(PointFields):
    """A point inside a template: like ``Point``, with a protocol-neutral source."""

    source: TemplateSource


class Template(Model):
    description: str = ""
    kind: Literal[EQUIPMENT_KINDS]  # type: ignore[valid-type]
    points: list[TemplatePoint] = []  # at least one: checked by the loader, which validates each point


class TemplateFile(Model):
    templates: dict[Code, Template]
