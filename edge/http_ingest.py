"""HTTP push for gateways that cannot speak MQTT: a Flask app served by waitress on ``edge_http_port``.

``POST /api/v1/edge/batches`` with ``Authorization: Bearer <gateway token>`` and the same message
as over MQTT (header line + body). The token decides the enterprise: a batch naming another one
is refused (403). A batch id (enterprise, stream, seq) already ingested is answered again without
being applied twice, so a gateway simply retries until it gets an answer. The batch goes through
the same ordered ingest path as MQTT batches (``EdgeIngest.submit``); the answer is
``{"acked": <highest contiguous seq stored>}``.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from flask import Flask, Response, jsonify, request

from edge.central import EdgeIngest
from edge.errors import PayloadError, TokenError
from edge.payload import decode_header
from edge.tokens import GatewayTokens
from historian.errors import HistorianUnavailable

log = logging.getLogger(__name__)
ANSWER_TIMEOUT_S = 30.0


def create_app(ingest: EdgeIngest, tokens: GatewayTokens, loop: asyncio.AbstractEventLoop) -> Flask:
    app = Flask("scada-edge-push")

    @app.post("/api/v1/edge/batches")
    def push() -> tuple[Response, int]:
        auth = request.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return jsonify(error="missing bearer token"), 401
        try:
            who = tokens.check(auth[len("Bearer ") :].strip())
        except TokenError as exc:
            return jsonify(error=str(exc)), 401
        message = request.get_data()
        try:
            header, _ = decode_header(message)
        except PayloadError as exc:
            return jsonify(error=str(exc)), 400
        if header.enterprise != who.enterprise:
            log.warning("gateway token used for another enterprise", extra={"ctx": {"token": who.id, "enterprise": header.enterprise}})
            return jsonify(error=f"this token may push for {who.enterprise} only"), 403
        if tokens.seen(header.enterprise, header.stream, header.seq):
            return jsonify(acked=header.seq, duplicate=True), 200
        try:
            acked = asyncio.run_coroutine_threadsafe(_submit(ingest, message), loop).result(ANSWER_TIMEOUT_S)
        except HistorianUnavailable:
            return jsonify(error="historian unavailable; retry later"), 503
        except PayloadError as exc:
            return jsonify(error=str(exc)), 400
        except TimeoutError:
            return jsonify(error="not stored in time; retry"), 504
        if acked >= header.seq:
            tokens.remember(header.enterprise, header.stream, header.seq, 0)
        return jsonify(acked=acked), 200

    return app


async def _submit(ingest: EdgeIngest, message: bytes) -> int:
    return await ingest.submit(message)


class PushServer:
    def __init__(self, app: Flask, host: str, port: int) -> None:
        from waitress.server import create_server

        self.server: Any = create_server(app, host=host, port=port, threads=4, ident="scada-edge-push", channel_timeout=60)
        self.port: int = self.server.effective_port
        self._thread = threading.Thread(target=self.server.run, name="edge-push-waitress", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.close()
        self.server.task_dispatcher.shutdown()
        self._thread.join(timeout=5)
