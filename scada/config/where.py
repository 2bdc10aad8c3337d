"""Source locations of configuration values: file, line and field path inside that file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    line: int
    path: str  # e.g. "hazard_sources[0].equipment[2].points[3].thresholds.high"

    def child(self, key: str | int, line: int | None = None) -> Where:
        return Where(self.file, self.line if line is None else line, join_path(self.path, key))

    def __str__(self) -> str:
        return f"{self.file}:{self.line} {self.path}".rstrip()


def join_path(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else str(key)
