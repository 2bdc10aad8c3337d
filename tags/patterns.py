"""Tag-name patterns used to subscribe: shell-style globs (``E01.*``, ``*.LT??``) or exact names.

Patterns are resolved against the tag catalogue once, at subscribe or define time, so the
publish path only does a dictionary lookup — never pattern matching per sample.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from fnmatch import translate

MATCH_ALL = "*"


class TagPattern:
    """A compiled set of globs; ``matches_all`` lets the bus skip per-sample routing."""

    __slots__ = ("_regex", "globs", "matches_all")

    def __init__(self, globs: str | Iterable[str]) -> None:
        self.globs: tuple[str, ...] = (globs,) if isinstance(globs, str) else tuple(globs)
        if not self.globs:
            raise ValueError("a subscription needs at least one tag pattern")
        self.matches_all = MATCH_ALL in self.globs
        self._regex = re.compile("|".join(f"(?:{translate(g)})" for g in self.globs))

    def match(self, tag: str) -> bool:
        return self.matches_all or self._regex.match(tag) is not None

    def __repr__(self) -> str:
        return f"TagPattern({', '.join(self.globs)})"
