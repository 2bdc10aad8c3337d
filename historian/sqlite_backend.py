"""The embedded historian: one SQLite file in WAL mode, nothing to install.

Rows live in key-ordered ``WITHOUT ROWID`` tables keyed ``(point, t)``: a trend of one point is
one contiguous range scan, and the table is its own index (measured for the historian issue:
as fast to insert as a plain table plus index, ~45 % smaller, trend queries 4–67× faster).
Points are small integers (table ``points``) so keys stay short.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

from historian.backend import BAD_BIT, TIER_INTERVAL_US, HistoryBackend
from historian.rows import Bucket, Row

SCHEMA = """
CREATE TABLE IF NOT EXISTS points (id INTEGER PRIMARY KEY, tag TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS raw (
    point INTEGER NOT NULL, t INTEGER NOT NULL, v, q INTEGER NOT NULL, st INTEGER NOT NULL,
    PRIMARY KEY (point, t)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agg_1m (
    point INTEGER NOT NULL, t INTEGER NOT NULL, sum REAL, min REAL, max REAL, last REAL, n INTEGER NOT NULL,
    PRIMARY KEY (point, t)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS agg_1h (
    point INTEGER NOT NULL, t INTEGER NOT NULL, sum REAL, min REAL, max REAL, last REAL, n INTEGER NOT NULL,
    PRIMARY KEY (point, t)) WITHOUT ROWID;
"""

# Aggregate one point's rows into intervals of :b; the "last" value is fetched by key from the row
# holding the interval's newest time (a bare column next to several aggregates is not defined).
_FROM_RAW = f"""
SELECT a.b, a.s, a.mn, a.mx, r.v, a.n FROM (
    SELECT (t / :b) * :b AS b, sum(v) AS s, min(v) AS mn, max(v) AS mx, count(*) AS n, max(t) AS lt
    FROM raw WHERE point = :p AND t >= :s AND t < :e AND q < {BAD_BIT} AND typeof(v) IN ('integer', 'real')
    GROUP BY b) AS a
JOIN raw AS r ON r.point = :p AND r.t = a.lt ORDER BY a.b
"""
_FROM_ROLLUP = """
SELECT a.b, a.s, a.mn, a.mx, r.last, a.n FROM (
    SELECT (t / :b) * :b AS b, sum(sum) AS s, min(min) AS mn, max(max) AS mx, sum(n) AS n, max(t) AS lt
    FROM {table} WHERE point = :p AND t >= :s AND t < :e AND n > 0 GROUP BY b) AS a
JOIN {table} AS r ON r.point = :p AND r.t = a.lt ORDER BY a.b
"""


_INSERT_ROWS = 1000  # 5,000 bound parameters per statement (SQLite allows 32,766)


def _insert_sql(rows: int) -> str:
    return "INSERT OR REPLACE INTO raw(point, t, v, q, st) VALUES " + ",".join(["(?, ?, ?, ?, ?)"] * rows)


_INSERT_FULL = _insert_sql(_INSERT_ROWS)


def _aggregate_sql(tier: str) -> str:
    return _FROM_RAW if tier == "raw" else _FROM_ROLLUP.format(table=f"agg_{tier}")


_LOOKUP_TAGS = 500  # tags per IN (...) look-up, well inside SQLite's bound on parameters
_MAINTENANCE_POINTS = 1000  # points per rollup/purge transaction


class SqliteHistory(HistoryBackend):
    name = "sqlite"

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()  # one writer connection, shared by the write and rollup calls
        self._db = self._connect()
        self._db.executescript(SCHEMA)
        self._ids: dict[str, int] = dict(self._db.execute("SELECT tag, id FROM points").fetchall())

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a process crash loses no committed write
        db.execute("PRAGMA wal_autocheckpoint=16384")  # checkpoint every 64 MB, not 4 MB: +30 % rows/s here (fewer fsync'd writes)
        db.execute("PRAGMA cache_size=-131072")  # 128 MB: a batch touches every point's page; the 2 MB default thrashes
        return db

    def _point_ids(self, tags: Sequence[str], create: bool) -> list[tuple[str, int]]:
        missing = [t for t in dict.fromkeys(tags) if t not in self._ids]
        if missing and create:
            self._db.executemany("INSERT OR IGNORE INTO points(tag) VALUES (?)", [(t,) for t in missing])
        # Only the missing tags are read back (another process may have written them since we looked):
        # re-reading the whole table per new tag made a fresh 440,000-point history crawl for minutes.
        for i in range(0, len(missing), _LOOKUP_TAGS):
            chunk = missing[i : i + _LOOKUP_TAGS]
            marks = ",".join("?" * len(chunk))
            self._ids.update(self._db.execute(f"SELECT tag, id FROM points WHERE tag IN ({marks})", chunk).fetchall())
        return [(t, self._ids[t]) for t in tags if t in self._ids]

    def write(self, rows: Sequence[Row]) -> None:
        if not rows:
            return
        with self._lock:
            self._point_ids([r.tag for r in rows], create=True)
            ids = self._ids
            flat: list[object] = []
            extend = flat.extend
            for tag, t, value, quality, server_t in rows:
                extend((ids[tag], t, value, quality, server_t))
            with self._transaction():
                # Multi-row statements, not executemany: one SQLite step (and one GIL release) per
                # 1,000 rows instead of per row — ~40 % faster alone, far more beside a busy event loop.
                for i in range(0, len(flat), _INSERT_ROWS * 5):
                    chunk = flat[i : i + _INSERT_ROWS * 5]
                    sql = _INSERT_FULL if len(chunk) == _INSERT_ROWS * 5 else _insert_sql(len(chunk) // 5)
                    self._db.execute(sql, chunk)

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN … COMMIT on the writer connection, ROLLBACK on any error (the caller holds the lock)."""
        self._db.execute("BEGIN")
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException:
            self._db.execute("ROLLBACK")
            raise

    def _reader(self) -> sqlite3.Connection:
        return sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=30)

    def last(self, tags: Sequence[str]) -> dict[str, Row]:
        with self._lock:
            pairs = self._point_ids(tags, create=False)
        out: dict[str, Row] = {}
        with self._reader() as db:
            for tag, pid in pairs:
                found = db.execute("SELECT t, v, q, st FROM raw WHERE point = ? ORDER BY t DESC LIMIT 1", (pid,)).fetchone()
                if found:
                    out[tag] = Row(tag, found[0], found[1], found[2], found[3])
        return out

    def raw(self, tags: Sequence[str], start: int, end: int) -> Iterator[Row]:
        with self._lock:
            pairs = self._point_ids(tags, create=False)
        db = self._reader()
        try:
            for tag, pid in pairs:
                cursor = db.execute("SELECT t, v, q, st FROM raw WHERE point = ? AND t >= ? AND t < ? ORDER BY t", (pid, start, end))
                while chunk := cursor.fetchmany(10_000):
                    for t, v, q, st in chunk:
                        yield Row(tag, t, v, q, st)
        finally:
            db.close()

    def buckets(self, tags: Sequence[str], start: int, end: int, interval: int, tier: str) -> Iterator[Bucket]:
        with self._lock:
            pairs = self._point_ids(tags, create=False)
        sql = _aggregate_sql(tier)
        db = self._reader()
        try:
            for tag, pid in pairs:
                for b, s, mn, mx, last, n in db.execute(sql, {"b": interval, "p": pid, "s": start, "e": end}):
                    yield Bucket(tag, b, s / n if n else None, mn, mx, last, n)
        finally:
            db.close()

    def rollup(self, tier: str, start: int, end: int, source: str) -> int:
        interval = TIER_INTERVAL_US[tier]
        start, end = start - start % interval, end - end % interval
        if end <= start:
            return 0
        sql = f"INSERT OR REPLACE INTO agg_{tier}(point, t, sum, min, max, last, n) SELECT :p, * FROM ({_aggregate_sql(source)})"
        params = [{"b": interval, "p": pid, "s": start, "e": end} for pid in self._point_ids_now()]
        return self._in_slices(sql, params)

    def purge(self, keep_from: dict[str, int]) -> None:
        for tier, before in keep_from.items():
            table = "raw" if tier == "raw" else f"agg_{tier}"
            self._in_slices(f"DELETE FROM {table} WHERE point = ? AND t < ?", [(pid, before) for pid in self._point_ids_now()])

    def _point_ids_now(self) -> list[int]:
        with self._lock:
            return list(self._ids.values())

    def _in_slices(self, sql: str, params: Sequence[object]) -> int:
        """One statement per point, ``_MAINTENANCE_POINTS`` points per transaction: the writer gets the lock (and
        SQLite's write lock) between two, so a rollup over 220,000 points does not hold up the stores for seconds.
        A crash between two leaves a tier partly done; its watermark has not moved, so it is all redone. Returns the rows
        changed."""
        changed = 0
        for i in range(0, len(params), _MAINTENANCE_POINTS):
            with self._lock, self._transaction():
                changed += sum(self._db.execute(sql, p).rowcount for p in params[i : i + _MAINTENANCE_POINTS])
        return changed

    def close(self) -> None:
        with self._lock:
            self._db.close()
