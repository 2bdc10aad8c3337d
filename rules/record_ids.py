"""Alarm record ids: unique across every process that shares one relational store.

Several central workers journal into one PostgreSQL database (issue 10): ids counted per process
from ``max(id) + 1`` at start collided, and a record written by one worker replaced another's
(the journal writes a record as delete + insert by id). Ids are therefore handed out in blocks
reserved from a counter row in the store (``id_counters``, advanced in one atomic UPDATE): a
reservation is one short write per ``block`` records, and a block not used up when the process
stops is simply skipped — ids stay unique and increasing per process, not gap-free.
"""

from __future__ import annotations

from collections.abc import Callable

Reserve = Callable[[int], int]  # count → the first of ``count`` ids no one else gets


class RecordIds:
    def __init__(self, reserve: Reserve | None = None, block: int = 1000) -> None:
        """Without ``reserve`` (no store: tests, a process on its own) ids simply count from 1."""
        self._reserve, self.block = reserve, block
        self._next = 1
        self._end = 1 if reserve is not None else None  # None: no limit (local counting)

    def take(self) -> int:
        """The next id; reserves a new block (a blocking store write) when the current one is used up."""
        if self._end is not None and self._next >= self._end:
            self.refill()
        rid = self._next
        self._next += 1
        return rid

    def refill(self) -> None:
        """Reserve the next block now (``restore`` does, from an executor, so the first alarm does not wait)."""
        if self._reserve is None:
            return
        self._next = self._reserve(self.block)
        self._end = self._next + self.block

    def above(self, rid: int) -> None:
        """Local counting only: never hand out ``rid`` or anything below it (a restored record's id)."""
        if self._reserve is None:
            self._next = max(self._next, rid + 1)

    @property
    def peek(self) -> int:
        """The id ``take`` would give if its block lasts (tests, status)."""
        return self._next
