"""The InfluxDB historian: raw rows and rollups as line protocol, queries in InfluxQL.

Rollups are computed by the historian itself (an InfluxQL aggregate over the tier below, written
back as line protocol) rather than by continuous queries: the same code serves 1.x and 2.x/3.x,
re-runs cleanly over late (replayed) data, and is driven by a clock tests control.
Retention is the server's job (retention policies / bucket rules set by ``setup``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor

from historian.backend import HistoryBackend
from historian.influx_transport import InfluxTransport
from historian.line_protocol import GOOD, RAW_MEASUREMENT, ROLLUP_MEASUREMENT, encode_buckets, encode_rows
from historian.rows import Bucket, Row

WRITE_CHUNK = 5_000  # rows per HTTP write: influxd's sweet spot


def split_lines(body: bytes, parts: int) -> list[bytes]:
    """``body`` cut into at most ``parts`` pieces of about equal size, each ending on a whole line."""
    out, start, step = [], 0, len(body) // parts + 1
    while start < len(body):
        cut = body.find(b"\n", start + step)
        end = len(body) if cut < 0 else cut
        out.append(body[start:end])
        start = end + 1
    return out or [body]


def _point_filter(tags: Sequence[str]) -> str:
    return "(" + " OR ".join("point = '" + t.replace("\\", "\\\\").replace("'", "\\'") + "'" for t in tags) + ")"


def _ns(t_us: int) -> int:
    return t_us * 1000


def _rows(tag: str, columns: list[str], values: list[list[object]]) -> Iterator[Row]:
    """Rows from a series of ``SELECT value, bad, text, q, st``; a field never written is absent from ``columns``, a
    row without ``q`` is GOOD (line_protocol writes the quality only when it is not)."""
    at = {name: columns.index(name) if name in columns else None for name in ("time", "value", "bad", "text", "q", "st")}
    t, quality, server_t = at["time"], at["q"], at["st"]
    shown_from = [i for i in (at["text"], at["value"], at["bad"]) if i is not None]  # at most one is set in a row
    for raw in values:
        shown = next((raw[i] for i in shown_from if raw[i] is not None), None)
        q = raw[quality] if quality is not None and raw[quality] is not None else GOOD
        yield Row(tag, raw[t], shown, q, raw[server_t])  # type: ignore[arg-type, index]


class InfluxHistory(HistoryBackend):
    name = "influxdb"
    folds_rollups = True  # the server computes a rollup at ~0.4 ms of CPU per series: see historian.rollup_fold

    def __init__(self, transport: InfluxTransport, connections: int = 1) -> None:
        self.transport = transport
        self.connections = connections
        self._writers = ThreadPoolExecutor(connections, thread_name_prefix="influx-write") if connections > 1 else None

    def write(self, rows: Sequence[Row]) -> None:
        for i in range(0, len(rows), WRITE_CHUNK):
            self.transport.write(encode_rows(rows[i : i + WRITE_CHUNK]), "raw")

    def write_buckets(self, tier: str, buckets: Sequence[Bucket]) -> None:
        for i in range(0, len(buckets), WRITE_CHUNK):
            self.transport.write(encode_buckets(buckets[i : i + WRITE_CHUNK]), tier)

    def write_encoded(self, body: bytes) -> None:
        """Line protocol encoded earlier (the store-and-forward buffer keeps it encoded), sent over
        ``connections`` parallel requests: influxd handles one write request on about one core, so a
        single connection leaves the server's other cores idle. Returns when every part is stored;
        if one fails the whole body is retried later, which the server stores once (series + time)."""
        parts = split_lines(body, self.connections)
        if self._writers is None or len(parts) == 1:
            self.transport.write(body, "raw")
            return
        for future in [self._writers.submit(self.transport.write, part, "raw") for part in parts]:
            future.result()

    def close(self) -> None:
        if self._writers is not None:
            self._writers.shutdown(wait=True)
        self.transport.close()

    def _series(self, influxql: str) -> Iterator[tuple[str, list[str], list[list[object]]]]:
        for series in self.transport.query(influxql):
            yield series.get("tags", {}).get("point", ""), series["columns"], series.get("values", [])

    def last(self, tags: Sequence[str]) -> dict[str, Row]:
        if not tags:
            return {}
        q = (
            f"SELECT value, bad, text, q, st FROM {self.transport.source('raw', RAW_MEASUREMENT)} "
            f"WHERE {_point_filter(tags)} GROUP BY point ORDER BY time DESC LIMIT 1"
        )
        out: dict[str, Row] = {}
        for tag, columns, values in self._series(q):
            for row in _rows(tag, columns, values):
                out[tag] = row
        return out

    def raw(self, tags: Sequence[str], start: int, end: int) -> Iterator[Row]:
        source = self.transport.source("raw", RAW_MEASUREMENT)
        for wanted in tags:  # one query per tag keeps the caller's order and bounds each stream
            where = f"{_point_filter([wanted])} AND time >= {_ns(start)} AND time < {_ns(end)}"
            q = f"SELECT value, bad, text, q, st FROM {source} WHERE {where}"
            for _, columns, values in self._series(q):
                yield from _rows(wanted, columns, values)

    def _aggregate_query(self, tags: Sequence[str], start: int, end: int, interval: int, tier: str) -> str:
        if tier == "raw":
            fields = "sum(value) AS sum, min(value) AS min, max(value) AS max, last(value) AS last, count(value) AS n"
            where, measurement = "", RAW_MEASUREMENT  # Bad rows have no ``value`` (line_protocol)
        else:
            fields = 'sum("sum") AS sum, min("min") AS min, max("max") AS max, last("last") AS last, sum("n") AS n'
            # Several partials per interval and point (historian.rollup_fold): this merges them.
            where, measurement = "n > 0 AND ", ROLLUP_MEASUREMENT
        where += f"{_point_filter(tags)} AND "
        return (
            f"SELECT {fields} FROM {self.transport.source(tier, measurement)} "
            f"WHERE {where}time >= {_ns(start)} AND time < {_ns(end)} GROUP BY time({interval}u), point fill(none)"
        )

    def _buckets(self, q: str) -> Iterator[Bucket]:
        for tag, columns, values in self._series(q):
            for raw in values:
                v = dict(zip(columns, raw, strict=True))
                n = int(v["n"] or 0)  # type: ignore[call-overload]
                if n:
                    yield Bucket(tag, v["time"], v["sum"] / n, v["min"], v["max"], v["last"], n)  # type: ignore[arg-type, operator]

    def buckets(self, tags: Sequence[str], start: int, end: int, interval: int, tier: str) -> Iterator[Bucket]:
        for wanted in tags:
            yield from self._buckets(self._aggregate_query([wanted], start, end, interval, tier))

    def purge(self, keep_from: dict[str, int]) -> None:
        """Nothing to do: the retention policies set up by the transport expire old data."""
