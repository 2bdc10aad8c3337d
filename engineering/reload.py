"""Hot reload: apply a changed configuration tree to the running server without a restart.

The tree is loaded and checked exactly as ``scada check-config`` does (in an executor); a tree with
any error changes nothing and its errors are logged and returned line for line as check-config
prints them. A good tree is switched in on the event loop: new tags are defined, the alarm engine is
rewired (``AlarmEngine.reconfigure``: unchanged points keep their detectors, states and values; a
point whose limits changed is re-evaluated once with its current value) and only the drivers whose
device or points changed are restarted (``Acquisition.reconfigure``). The applied tree is kept as a
version. ``scada reload`` reaches the server through SIGHUP and a request file in the data folder
(who and why), and reads the outcome from a result file.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from engineering.tree import Files, Loaded, load_tree, read_tree, write_tree
from engineering.versions import Version, Versions
from scada.config import ConfigError, Plant
from scada.drivers.acquisition import health_tags
from scada.gc_tuning import freeze_long_lived
from scada.store import AuditEvent
from tags import TagValue

log = logging.getLogger(__name__)
PID_FILE = "scada.pid"
REQUEST_FILE = "reload-request.json"
RESULT_FILE = "reload-result.json"
LIMIT_FIELDS = ("thresholds", "deadband", "on_delay_s", "off_delay_s")


@dataclass
class PlantDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)  # thresholds, deadband or delays changed
    other: list[str] = field(default_factory=list)  # anything else of the point changed (name, range, source…)

    def summary(self) -> dict[str, int]:
        return {k: len(v) for k, v in asdict(self).items()}


def diff_plants(old: Plant, new: Plant) -> PlantDiff:
    a, b = old.point_by_tag, new.point_by_tag
    out = PlantDiff(sorted(set(b) - set(a)), sorted(set(a) - set(b)))
    for tag in sorted(set(a) & set(b)):
        pa, pb = a[tag].point, b[tag].point
        if any(getattr(pa, f) != getattr(pb, f) for f in LIMIT_FIELDS):
            out.limits.append(tag)
        elif a[tag] != b[tag]:
            out.other.append(tag)
    return out


@dataclass
class ReloadResult:
    ok: bool
    errors: list[str] = field(default_factory=list)
    diff: PlantDiff | None = None
    version: int | None = None
    hash: str = ""
    restarted: list[str] = field(default_factory=list)  # health tags of the drivers restarted
    reevaluated: int = 0

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["diff"] = self.diff.summary() if self.diff else None
        return out


def _current(sup: Any) -> Callable[[str], TagValue | None]:
    def get(tag: str) -> TagValue | None:
        return sup.tags.get(tag) if tag in sup.tags else None

    return get


async def switch(sup: Any, loaded: Loaded) -> ReloadResult:
    """Switch the running parts to a validated tree (on the loop)."""
    plant = loaded.plant
    diff = diff_plants(sup.plant, plant)
    sup.plant = plant
    sup.tags.define(p.tag for p in plant.points)
    sup.tags.define(health_tags(plant))
    reevaluated = sup.alarms.reconfigure(plant, loaded.alarms, _current(sup))
    restarted = await sup.acquisition.reconfigure(plant) if sup.acquisition is not None else []
    return ReloadResult(True, diff=diff, hash=plant.content_hash, restarted=restarted, reevaluated=len(reevaluated))


def _keep_version(sup: Any, result: ReloadResult, actor: str, reason: str, change_id: int | None) -> Version:
    """Blocking: the tree as applied becomes a version; the switch is audited with its point diff."""
    version = Versions(sup.engine, sup.clock).record(read_tree(Path(sup.settings.config_dir)), actor, reason, change_id)
    result.version = version.id
    detail = {"hash": result.hash, "version": version.id, "points": len(sup.plant.points), **(result.diff.summary() if result.diff else {})}
    detail["drivers_restarted"] = len(result.restarted)
    sup.audit.record(AuditEvent(actor, "config.applied", str(sup.settings.config_dir), detail, reason))
    return version


async def hot_reload(sup: Any, actor: str = "system", reason: str = "reload") -> ReloadResult:
    """Load, check and apply the tree at ``sup.settings.config_dir``; on any error nothing changes."""
    loop = asyncio.get_running_loop()
    try:
        loaded = await loop.run_in_executor(None, load_tree, sup.settings.config_dir)
    except ConfigError as exc:
        errors = [str(i) for i in exc.issues]
        ctx = {"errors": len(errors), "hash": sup.plant.content_hash[:12]}
        log.error("configuration rejected; keeping the running one", extra={"ctx": ctx})
        for line in errors:
            log.error("%s", line)
        return ReloadResult(False, errors)
    result = await switch(sup, loaded)
    freeze_long_lived()  # the new configuration joins the frozen heap; the replaced one is collected
    await loop.run_in_executor(None, _keep_version, sup, result, actor, reason, None)
    log.info("configuration applied", extra={"ctx": {"hash": result.hash[:12], "version": result.version, **result.as_dict()["diff"]}})
    return result


class LiveApplier:
    """Applies an approved change to the running server: write the files, check, switch on the loop, keep the version.
    A tree that fails its check is written back as it was. Called from request threads."""

    def __init__(self, sup: Any, loop: asyncio.AbstractEventLoop | None) -> None:
        self.sup, self.loop = sup, loop
        self._lock = threading.Lock()

    def __call__(self, files: Files, actor: str, reason: str, change_id: int | None) -> Version:
        root = Path(self.sup.settings.config_dir)
        with self._lock:
            before = read_tree(root)
            write_tree(root, files)
            try:
                loaded = load_tree(root)
            except ConfigError:
                write_tree(root, before)
                raise
            result = self._on_loop(switch(self.sup, loaded))
            return _keep_version(self.sup, result, actor, reason, change_id)

    def _on_loop(self, coro: Any) -> ReloadResult:
        loop = self.loop
        if loop is not None and loop.is_running():
            return asyncio.run_coroutine_threadsafe(coro, loop).result(60)
        return asyncio.run(coro)


# -- `scada reload` → the running server ---------------------------------------------------------


def started(sup: Any) -> None:
    """At server start (blocking): the pid file for ``scada reload``; the tree in use kept as a version."""
    write_pid(Path(sup.settings.data_dir))
    Versions(sup.engine, sup.clock).record(read_tree(Path(sup.settings.config_dir)), "system", "server started")


def write_pid(data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / PID_FILE
    path.write_text(f"{os.getpid()}\n", encoding="utf-8")
    return path


def take_request(data_dir: Path) -> dict[str, Any]:
    """Who asked for the reload and why (``scada reload --reason``); a bare SIGHUP is the system's."""
    path = data_dir / REQUEST_FILE
    try:
        request = json.loads(path.read_text(encoding="utf-8"))
        path.unlink()
        return request if isinstance(request, dict) else {}
    except (OSError, ValueError):
        return {}


async def serve_reload(sup: Any) -> ReloadResult:
    """The SIGHUP handler's work: reload, then write the outcome for the waiting ``scada reload``."""
    data_dir = Path(sup.settings.data_dir)
    request = await asyncio.get_running_loop().run_in_executor(None, take_request, data_dir)
    result = await hot_reload(sup, str(request.get("actor") or "system"), str(request.get("reason") or "reload (SIGHUP)"))
    out = {"id": request.get("id"), **result.as_dict()}
    (data_dir / RESULT_FILE).write_text(json.dumps(out, ensure_ascii=False), encoding="utf-8")
    return result


def request_reload(data_dir: Path, actor: str, reason: str, timeout_s: float = 60.0) -> dict[str, Any]:
    """Signal the server whose pid is in ``<data_dir>/scada.pid`` and wait for its result (blocking)."""
    try:
        pid = int((data_dir / PID_FILE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        raise ProcessLookupError(f"no running server: {data_dir / PID_FILE} is missing (start it with scada run)") from None
    rid = uuid.uuid4().hex
    (data_dir / REQUEST_FILE).write_text(json.dumps({"id": rid, "actor": actor, "reason": reason}, ensure_ascii=False), encoding="utf-8")
    os.kill(pid, signal.SIGHUP)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            result = json.loads((data_dir / RESULT_FILE).read_text(encoding="utf-8"))
            if result.get("id") == rid:
                return result
        except (OSError, ValueError):
            pass
        time.sleep(0.1)
    raise TimeoutError(f"the server (pid {pid}) did not answer within {timeout_s:.0f} s; see its log")
