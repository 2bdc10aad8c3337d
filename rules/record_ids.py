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


def counting() -> Reserve:
    """Blocks from a counter in memory, from 1: an engine without a store (tests, tools)."""
    following = 1

    def reserve(count: int) -> int:
        nonlocal following
        first, following = following, following + count
        return first

    return reserve


class RecordIds:
    def __init__(self, reserve: Reserve | None = None, block: int = 1000) -> None:
        self._reserve, self.block = reserve or counting(), block
        self._next = self._end = 0  # no block yet

    def take(self) -> int:
        """The next id; reserves a new block (with a store: a blocking write) when the current one is used up."""
        if self._next >= self._end:
            self.refill()
        rid = self._next
        self._next += 1
        return rid

    def refill(self) -> None:
        """Reserve the next block now (``restore`` does, from an executor, so the first alarm does not wait)."""
        self._next = self._reserve(self.block)
        self._end = self._next + self.block
