"""The store-and-forward buffer: batches waiting for the remote historian, on disk, in order.

One SQLite file; each batch is one row holding its rows already encoded as line protocol, so a
push is one small transaction (not one insert per sample) and forwarding sends the bytes as they
are. ``synchronous=FULL``: once ``push`` returns, the batch survives a crash of the process and of
the machine. Bounded by a row count: a push that would exceed it is refused and counted — the
oldest data is kept (a gap at the end is visible and alarmed; silently rewriting history is not).
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import NamedTuple

SCHEMA = """
CREATE TABLE IF NOT EXISTS batches (seq INTEGER PRIMARY KEY AUTOINCREMENT, rows INTEGER NOT NULL,
                                    min_t INTEGER NOT NULL, body BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS rejected (seq INTEGER PRIMARY KEY, rows INTEGER NOT NULL, min_t INTEGER NOT NULL,
                                     body BLOB NOT NULL, error TEXT NOT NULL);
"""


class Batch(NamedTuple):
    seq: int
    rows: int
    min_t: int
    body: bytes


class DiskBuffer:
    def __init__(self, path: Path, max_rows: int) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.max_rows = max_rows
        self.refused_rows = 0
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)
        # Deletions need no fsync: a delete lost in a crash re-sends a batch the remote already has,
        # which it stores once (series + timestamp). That halves the fsyncs per forwarded batch.
        self._unsynced = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._unsynced.execute("PRAGMA synchronous=OFF")
        self._rows = self._db.execute("SELECT coalesce(sum(rows), 0) FROM batches").fetchone()[0]

    @property
    def rows(self) -> int:
        return self._rows

    @property
    def fill(self) -> float:
        return self._rows / self.max_rows

    def push(self, body: bytes, rows: int, min_t: int) -> int | None:
        """Keep a batch; returns its sequence number, None (and counted) when the buffer is full."""
        with self._lock:
            if self._rows + rows > self.max_rows:
                self.refused_rows += rows
                return None
            seq = self._db.execute("INSERT INTO batches(rows, min_t, body) VALUES (?, ?, ?)", (rows, min_t, body)).lastrowid
            self._rows += rows
            return seq

    def oldest(self, max_rows: int = 1) -> list[Batch]:
        """The oldest batches, in order, together at most ``max_rows`` rows (always at least one if any)."""
        out: list[Batch] = []
        with self._lock:
            total = 0
            for found in self._db.execute("SELECT seq, rows, min_t, body FROM batches ORDER BY seq LIMIT 64"):
                if out and total + found[1] > max_rows:
                    break
                out.append(Batch(*found))
                total += found[1]
        return out

    def remove(self, batches: list[Batch]) -> None:
        """The remote has these batches: forget them."""
        with self._lock:
            self._unsynced.execute("BEGIN")
            for batch in batches:
                if self._unsynced.execute("DELETE FROM batches WHERE seq = ?", (batch.seq,)).rowcount:
                    self._rows -= batch.rows
            self._unsynced.execute("COMMIT")

    def reject(self, batch: Batch, error: str) -> None:
        """The remote refuses the batch for good: set it aside (kept for inspection), go on with the rest."""
        with self._lock:
            self._db.execute("BEGIN")
            self._db.execute("INSERT OR REPLACE INTO rejected VALUES (?, ?, ?, ?, ?)", (*batch, error))
            deleted = self._db.execute("DELETE FROM batches WHERE seq = ?", (batch.seq,)).rowcount
            self._db.execute("COMMIT")
            if deleted:
                self._rows -= batch.rows

    def rejected_rows(self) -> int:
        with self._lock:
            return self._db.execute("SELECT coalesce(sum(rows), 0) FROM rejected").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._unsynced.close()
            self._db.close()
