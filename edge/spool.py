"""The gateway's disk buffer: every batch waits here, in order, until the central acknowledges it.

Reuses the historian's store-and-forward ``DiskBuffer`` (one fsync'd SQLite row per batch,
bounded, oldest kept when full) and adds what an uplink with several batches in flight needs:
reading the batches after a given one, forgetting everything up to an acknowledged one, and a
stream id. The buffer's AUTOINCREMENT row id is the batch's sequence number — never reused, so
numbers only restart with a new file, which gets a new stream id.
"""

from __future__ import annotations

import secrets
from pathlib import Path

from historian.buffer import Batch, DiskBuffer

__all__ = ["Batch", "Spool"]


class Spool(DiskBuffer):
    def __init__(self, path: Path, max_samples: int) -> None:
        super().__init__(path, max_samples)
        with self._lock:
            self._db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            found = self._db.execute("SELECT value FROM meta WHERE key = 'stream'").fetchone()
            if found is None:
                found = (secrets.token_hex(8),)
                self._db.execute("INSERT INTO meta VALUES ('stream', ?)", found)
        self.stream: str = found[0]

    def after(self, seq: int, limit: int) -> list[Batch]:
        """Up to ``limit`` batches with a sequence number above ``seq``, oldest first."""
        with self._lock:
            rows = self._db.execute("SELECT seq, rows, min_t, body FROM batches WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit))
            return [Batch(*r) for r in rows.fetchall()]

    def last_seq(self) -> int:
        """The highest sequence number ever given out (0 for a new buffer)."""
        with self._lock:
            found = self._db.execute("SELECT seq FROM sqlite_sequence WHERE name = 'batches'").fetchone()
        return found[0] if found else 0

    def first_seq(self) -> int | None:
        with self._lock:
            return self._db.execute("SELECT min(seq) FROM batches").fetchone()[0]

    def remove_through(self, seq: int) -> int:
        """The central has every batch up to ``seq``: forget them; returns how many were removed."""
        with self._lock:  # no fsync (as DiskBuffer.remove): a deletion lost in a crash re-sends what the central drops
            db = self._unsynced
            db.execute("BEGIN")
            rows, count = db.execute("SELECT coalesce(sum(rows), 0), count(*) FROM batches WHERE seq <= ?", (seq,)).fetchone()
            db.execute("DELETE FROM batches WHERE seq <= ?", (seq,))
            db.execute("COMMIT")
            self._rows -= rows
            return count
