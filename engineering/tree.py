"""A configuration tree as text: read, hash, write, and validate exactly as ``scada check-config`` does.

Versions, change requests and the spreadsheet import all work on the tree's YAML texts (relative
path → text): edits keep every comment and line the engineer did not touch.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from rules.config import AlarmConfig, load_alarm_config
from scada.config import ConfigError, ConfigIssue, Plant, load_plant
from scada.config.loader import display_path

Files = dict[str, str]  # path relative to the tree's root (posix) → text


@dataclass(frozen=True)
class Loaded:
    """A tree that passed every check ``scada check-config`` makes."""

    plant: Plant
    alarms: AlarmConfig


def load_tree(root: str | Path) -> Loaded:
    """The same loaders, in the same order, as ``scada check-config``; raises ``ConfigError`` with every issue."""
    from historian.config import load_historian_config
    from risk.config import load_risk_config
    from video.config import load_cameras

    plant = load_plant(root)
    load_historian_config(Path(root))
    alarms = load_alarm_config(root, plant)
    load_cameras(root, plant)
    load_risk_config(root, plant)
    return Loaded(plant, alarms)


def read_tree(root: Path) -> Files:
    return {p.relative_to(root).as_posix(): p.read_text(encoding="utf-8") for p in sorted(root.rglob("*.yaml")) if p.is_file()}


def tree_hash(files: Files) -> str:
    """sha256 over every file's path and text: equal trees, equal hash, whatever the order of writing."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(path.encode() + b"\0" + files[path].encode() + b"\0")
    return digest.hexdigest()


def write_tree(root: Path, files: Files) -> list[str]:
    """Make the tree's YAML files exactly ``files`` (each replaced atomically); returns the paths changed."""
    current = read_tree(root)
    changed = []
    for rel, text in files.items():
        if current.get(rel) != text:
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, path)
            changed.append(rel)
    for rel in set(current) - set(files):
        (root / rel).unlink()
        changed.append(rel)
    return sorted(changed)


def check_files(root: Path, files: Files) -> Loaded:
    """Validate ``files`` as if they were the tree at ``root`` (which is not touched); errors name ``root``'s files."""
    with tempfile.TemporaryDirectory(prefix="scada-check-") as tmp:
        work = Path(tmp) / "config"
        shutil.copytree(root, work, ignore=shutil.ignore_patterns("*.yaml"))
        write_tree(work, files)
        try:
            return load_tree(work)
        except ConfigError as exc:
            raise ConfigError([_relocate(i, display_path(work), display_path(root)) for i in exc.issues]) from None


def _relocate(issue: ConfigIssue, old: str, new: str) -> ConfigIssue:
    file = issue.where.file
    if file.startswith(old):
        file = new + file[len(old) :]
    return replace(issue, where=replace(issue.where, file=file))
