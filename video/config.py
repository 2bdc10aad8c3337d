"""The camera registry: ``cameras.yaml`` in the configuration tree, validated against the plant.

Layout::

    checker:   {workers: 4, snapshot_width: 320}          # optional, the whole checker
    defaults:  {check_interval_s: 5, thresholds: {...}}   # optional, every camera unless it overrides
    cameras:
      E01:                                                # enterprise code
        - {id: CAM01, name: 中控室, role: duty_room, url: http://…/E01/CAM01.mjpg}
        - {id: CAM02, name: 汽油罐区, role: hazard_source, hazard_source: E01-HS1, equipment: T101,
           url: rtsp://10.0.0.5/stream2, username_env: E01_CAM_USER, password_env: E01_CAM_PASSWORD}

Credentials never sit in the file: ``username_env``/``password_env`` name environment variables,
read when a stream is opened. A URL with a password in it is rejected, and every URL that reaches a
log line or an error goes through ``masked`` first.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field

from scada.config import ConfigError, Plant
from scada.config.errors import ConfigIssue
from scada.config.loader import display_path
from scada.config.schema import Code, Model, Text
from scada.config.validation import validate, validate_items
from scada.config.where import Where
from scada.config.yaml_source import LocDict, load_yaml

CAMERAS_FILE = "cameras.yaml"
ROLES = ("duty_room", "hazard_source", "key_spot")  # 值班监控中心 / 重大危险源 / 重点部位
SCHEMES = ("rtsp", "rtsps", "http", "https", "file")
Positive = Annotated[float, Field(gt=0)]
NonNegative = Annotated[float, Field(ge=0)]


class Thresholds(Model):
    """When a picture counts as faulty, and for how long before the status changes.

    Image measures are taken on a 320-pixel-wide grey copy (see ``video.metrics``)."""

    lost_after_s: NonNegative = 10.0  # unreachable / no frames this long → status
    frozen_after_s: NonNegative = 30.0
    dark_after_s: NonNegative = 10.0  # black, white, uniform
    covered_after_s: NonNegative = 10.0
    blurred_after_s: NonNegative = 30.0
    moved_after_s: NonNegative = 30.0
    freeze_change: NonNegative = 0.3  # mean |Δ grey| between samples below which the picture counts as unchanged
    uniform_std: NonNegative = 5.0  # grey-level spread below which the picture is one flat colour
    black_level: Annotated[float, Field(ge=0, le=255)] = 40.0  # …black when its mean is below this
    white_level: Annotated[float, Field(ge=0, le=255)] = 215.0  # …white when above this
    blur_sharpness: NonNegative = 15.0  # Laplacian variance below which the picture has lost its detail
    covered_std: NonNegative = 20.0  # …covered (not merely blurred) when its contrast is also below this
    covered_entropy: Annotated[float, Field(ge=0, le=8)] = 3.0  # …or its histogram entropy (bits) below this
    moved_similarity: Annotated[float, Field(ge=-1, le=1)] = 0.7  # reference view found with less correlation → moved
    moved_shift: Annotated[float, Field(ge=0, le=1)] = 0.08  # …or found shifted by more than this share of the width


class Defaults(Model):
    check_interval_s: Positive = 5.0
    timeout_s: Positive = 5.0  # for opening the stream, and again for reading a frame
    thresholds: Thresholds = Thresholds()


class CheckerSettings(Model):
    workers: Annotated[int, Field(ge=1, le=64)] = 4  # threads for blocking OpenCV calls, shared by all cameras
    reconnect_max_s: Positive = 60.0  # back-off ceiling between attempts on a failing camera
    snapshot_width: Annotated[int, Field(ge=32, le=1920)] = 320
    snapshot_quality: Annotated[int, Field(ge=10, le=100)] = 70


class CameraEntry(Model):
    id: Code
    name: Text
    role: Literal[ROLES]  # type: ignore[valid-type]
    url: Text
    hazard_source: Code | None = None
    equipment: Code | None = None
    username_env: str | None = None
    password_env: str | None = None
    enabled: bool = True
    check_interval_s: Positive | None = None
    timeout_s: Positive | None = None
    thresholds: dict[str, Any] = Field(default_factory=dict)  # overrides of the defaults' thresholds, validated as ``Thresholds``
    reference: str | None = None  # reference view image (relative to the config folder); learnt when absent


class CamerasFile(Model):
    checker: CheckerSettings = CheckerSettings()
    defaults: Defaults = Defaults()
    cameras: dict[Code, Any] = Field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Camera:
    """One camera as the checker uses it: defaults applied, references resolved."""

    enterprise: str
    id: str
    name: str
    role: str
    url: str
    hazard_source: str | None
    equipment: str | None
    username_env: str | None
    password_env: str | None
    enabled: bool
    check_interval_s: float
    timeout_s: float
    thresholds: Thresholds
    reference: Path | None

    @property
    def key(self) -> str:
        return f"{self.enterprise}.{self.id}"

    @property
    def masked_url(self) -> str:
        return masked(self.url)


@dataclass(frozen=True)
class CameraRegistry:
    checker: CheckerSettings
    cameras: tuple[Camera, ...]

    def by_key(self) -> dict[str, Camera]:
        return {c.key: c for c in self.cameras}

    def get(self, key: str) -> Camera:
        try:
            return self.by_key()[key]
        except KeyError:
            raise KeyError(f"no camera {key!r} (cameras are named ENTERPRISE.ID, e.g. E01.CAM01)") from None


EMPTY = CameraRegistry(CheckerSettings(), ())


def masked(url: str) -> str:
    """The URL without any user name or password (for logs, errors and screens)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _check_url(url: str, where: Where, issues: list[ConfigIssue]) -> None:
    parts = urlsplit(url)
    scheme = parts.scheme if len(parts.scheme) > 1 else "file"  # a bare path (or C:\…) is a file
    if scheme not in SCHEMES:
        issues.append(ConfigIssue(where, f"unsupported stream {masked(url)!r}: use {', '.join(SCHEMES)} (or a file path)"))
    elif parts.password is not None:
        issues.append(ConfigIssue(where, f"{masked(url)!r} has a password in it: name environment variables in username_env/password_env"))
    elif scheme != "file" and not parts.hostname:
        issues.append(ConfigIssue(where, f"{masked(url)!r} names no host"))


class _Loader:
    def __init__(self, root: Path, plant: Plant) -> None:
        self.root = root
        self.plant = plant
        self.issues: list[ConfigIssue] = []

    def load(self) -> CameraRegistry:
        path = self.root / CAMERAS_FILE
        if not path.is_file():
            return EMPTY
        raw = load_yaml(path, display_path(path), self.issues)
        if raw is None:
            raise ConfigError(self.issues)
        top = Where(display_path(path), 1, "")
        doc = validate(CamerasFile, raw, self.issues, top)
        if doc is None:
            raise ConfigError(self.issues)
        cameras: list[Camera] = []
        section = raw.get("cameras") if isinstance(raw, LocDict) else None
        for ent_code, items in doc.cameras.items():
            ent_where = section.key_where[ent_code] if isinstance(section, LocDict) else top.child("cameras")
            cameras.extend(self.enterprise(ent_code, items, ent_where, doc.defaults))
        if self.issues:
            raise ConfigError(self.issues)
        return CameraRegistry(doc.checker, tuple(cameras))

    def enterprise(self, code: str, items: Any, where: Where, defaults: Defaults) -> list[Camera]:
        try:
            ent = self.plant.enterprise(code)
        except KeyError:
            known = ", ".join(e.enterprise.code for e in self.plant.enterprises)
            self.issues.append(ConfigIssue(where, f"no enterprise {code!r} in the plant (enterprises: {known})"))
            return []
        out: list[Camera] = []
        seen: dict[str, Where] = {}
        for entry, raw in validate_items(CameraEntry, items, self.issues, where):
            at = raw.where
            if entry.id in seen:
                first = seen[entry.id]
                self.issues.append(ConfigIssue(at.child("id"), f"duplicate camera id {entry.id!r} (first at line {first.line})"))
                continue
            seen[entry.id] = at
            _check_url(entry.url, raw.key_where["url"], self.issues)
            self.references(entry, raw, ent)
            thresholds = validate(Thresholds, _merged(defaults.thresholds, raw), self.issues, raw.key_where.get("thresholds", at))
            if thresholds is None:
                continue
            out.append(
                Camera(
                    enterprise=code,
                    id=entry.id,
                    name=entry.name,
                    role=entry.role,
                    url=entry.url,
                    hazard_source=entry.hazard_source,
                    equipment=entry.equipment,
                    username_env=entry.username_env,
                    password_env=entry.password_env,
                    enabled=entry.enabled,
                    check_interval_s=entry.check_interval_s or defaults.check_interval_s,
                    timeout_s=entry.timeout_s or defaults.timeout_s,
                    thresholds=thresholds,
                    reference=self.root / entry.reference if entry.reference else None,
                )
            )
        return out

    def references(self, entry: CameraEntry, raw: LocDict, ent: Any) -> None:
        """The watched hazard source and equipment must exist in this enterprise (and belong together)."""
        sources = {hs.code: hs for hs in ent.hazard_sources}
        if entry.role == "hazard_source" and entry.hazard_source is None:
            msg = "a hazard_source camera must name the hazard source it watches"
            self.issues.append(ConfigIssue(raw.where.child("hazard_source"), msg))
        if entry.hazard_source is not None and entry.hazard_source not in sources:
            known = ", ".join(sources) or "none"
            msg = f"no hazard source {entry.hazard_source!r} in {ent.enterprise.code} (hazard sources: {known})"
            self.issues.append(ConfigIssue(raw.key_where["hazard_source"], msg))
            return
        if entry.equipment is not None:
            within = [sources[entry.hazard_source]] if entry.hazard_source else list(sources.values())
            if not any(eq.code == entry.equipment for hs in within for eq in hs.equipment):
                scope = entry.hazard_source or ent.enterprise.code
                self.issues.append(ConfigIssue(raw.key_where["equipment"], f"no equipment {entry.equipment!r} in {scope}"))
        if entry.reference is not None and not (self.root / entry.reference).is_file():
            self.issues.append(ConfigIssue(raw.key_where["reference"], f"reference image {entry.reference!r} not found"))


def _merged(defaults: Thresholds, raw: LocDict) -> LocDict:
    """The defaults' thresholds with the camera's overrides on top, keeping the overrides' locations."""
    overrides = raw.get("thresholds") or {}
    merged = LocDict({**defaults.model_dump(), **(overrides if isinstance(overrides, dict) else {})})
    merged.where = getattr(overrides, "where", raw.where)
    merged.key_where = dict(getattr(overrides, "key_where", {}))
    return merged


def load_cameras(root: str | Path, plant: Plant) -> CameraRegistry:
    """The registry of the tree at ``root`` (empty without ``cameras.yaml``); ``ConfigError`` lists every problem."""
    return _Loader(Path(root), plant).load()
