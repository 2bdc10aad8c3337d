"""InfluxDB 2.x/3.x transport, unit-tested against a local stand-in for its HTTP API.

No InfluxDB 2.x package exists for Debian 12, so this is the only check of the 2.x path: it proves the
requests the historian makes (token auth, buckets with retention, database/retention-policy mappings,
microsecond writes to the right bucket, InfluxQL on the v1-compatible endpoint). The 1.x path, which
shares everything above the transport, is proven against a real influxd in the other tests.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

import pytest

from historian.config import HistorianConfig
from historian.influx_backend import InfluxHistory
from historian.influx_transport import Influx2Transport
from historian.rows import Row


class FakeInflux2(BaseHTTPRequestHandler):
    requests: ClassVar[list[tuple[str, str, dict[str, list[str]], str, bytes]]] = []
    buckets: ClassVar[dict[str, dict]] = {}

    def log_message(self, *args: object) -> None:
        pass

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _record(self) -> tuple[str, dict[str, list[str]], bytes]:
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        query = parse_qs(url.query)
        self.requests.append((self.command, url.path, query, self.headers.get("Authorization", ""), body))
        return url.path, query, body

    def do_GET(self) -> None:
        path, query, _ = self._record()
        if path == "/api/v2/orgs":
            self._answer(200, {"orgs": [{"id": "org1", "name": query["org"][0]}]})
        elif path == "/api/v2/buckets":
            name = query.get("name", [""])[0]
            self._answer(200, {"buckets": [self.buckets[name]] if name in self.buckets else []})
        elif path == "/api/v2/dbrps":
            self._answer(200, {"content": []})
        else:
            self._answer(404, {"message": path})

    def do_POST(self) -> None:
        path, _, body = self._record()
        if path == "/api/v2/buckets":
            bucket = json.loads(body)
            bucket["id"] = f"b{len(self.buckets)}"
            self.buckets[bucket["name"]] = bucket
            self._answer(201, bucket)
        elif path == "/api/v2/dbrps":
            self._answer(201, {**json.loads(body), "id": "m1"})
        elif path == "/api/v2/write":
            self.send_response(204)
            self.end_headers()
        elif path == "/query":
            series = [
                {
                    "name": "v",
                    "tags": {"point": "E01.T1.LT"},
                    "columns": ["time", "value", "text", "q", "st"],
                    "values": [[5, 1.5, None, 0, 6]],
                }
            ]
            self._answer(200, {"results": [{"statement_id": 0, "series": series}]})
        else:
            self._answer(404, {"message": path})


@pytest.fixture
def fake_server() -> Iterator[str]:
    FakeInflux2.requests, FakeInflux2.buckets = [], {}
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeInflux2)
    thread = threading.Thread(target=server.serve_forever, name="fake-influx2", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_setup_write_and_query_speak_the_v2_api(fake_server: str, monkeypatch) -> None:
    monkeypatch.setenv("TEST_INFLUX_TOKEN", "s3cret")
    config = HistorianConfig.model_validate(
        {"backend": "influxdb2", "influxdb2": {"url": fake_server, "org": "bj", "bucket": "hist", "token_env": "TEST_INFLUX_TOKEN"}}
    )
    transport = Influx2Transport(config.influxdb2)
    backend = InfluxHistory(transport)
    try:
        transport.setup(config)
        backend.write([Row("E01.T1.LT", 5, 1.5, 0, 6)])
        last = backend.last(["E01.T1.LT"])
    finally:
        backend.close()
    assert last == {"E01.T1.LT": Row("E01.T1.LT", 5, 1.5, 0, 6)}
    assert {name: b["retentionRules"][0]["everySeconds"] for name, b in FakeInflux2.buckets.items()} == {
        "hist": 90 * 86400,
        "hist_m1": 400 * 86400,
        "hist_h1": 3650 * 86400,
    }
    dbrps = [json.loads(body) for method, path, _, _, body in FakeInflux2.requests if method == "POST" and path == "/api/v2/dbrps"]
    assert [(d["database"], d["retention_policy"], d["default"]) for d in dbrps] == [
        ("hist", "raw", True),
        ("hist", "m1", False),
        ("hist", "h1", False),
    ]
    (write,) = [r for r in FakeInflux2.requests if r[1] == "/api/v2/write"]
    assert write[2]["bucket"] == ["hist"] and write[2]["precision"] == ["us"] and write[2]["org"] == ["bj"]
    assert write[4] == b"v,point=E01.T1.LT value=1.5,st=6i 5"
    (query,) = [r for r in FakeInflux2.requests if r[1] == "/query"]
    assert query[2]["db"] == ["hist"] and '"hist"."raw"."v"' in query[2]["q"][0]
    assert all(auth == "Token s3cret" for _, _, _, auth, _ in FakeInflux2.requests)
