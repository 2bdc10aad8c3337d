"""Configuration errors: every problem found in a tree, each with its file, line and field path."""

from __future__ import annotations

from dataclasses import dataclass

from scada.config.where import Where
from scada.errors import ScadaError


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    where: Where
    message: str

    def __str__(self) -> str:
        location = f"{self.where.file}:{self.where.line}"
        return f"{location} {self.where.path}: {self.message}" if self.where.path else f"{location}: {self.message}"


class ConfigError(ScadaError):
    """A configuration tree that failed validation; ``issues`` lists every problem found."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = sorted(set(issues), key=lambda i: (i.where.file, i.where.line, i.where.path, i.message))
        count = len(self.issues)
        super().__init__(f"{count} configuration error{'s' if count != 1 else ''}")

    def report(self) -> str:
        return "\n".join(str(i) for i in self.issues)
