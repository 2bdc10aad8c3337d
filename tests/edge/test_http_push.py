"""HTTP push: a real gateway uplink over HTTP into the real ingest path, tokens scoped to an enterprise, idempotent retries."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import requests
from rig import free_port, wait_for

from edge.central import EdgeIngest
from edge.config import UplinkConfig
from edge.http_ingest import PushServer, create_app
from edge.payload import Header, encode_body, encode_message
from edge.tokens import GatewayTokens
from edge.uplink import Uplink
from historian.config import HistorianConfig
from historian.service import Historian
from scada.drivers.acquisition import health_tags
from scada.store import connect, upgrade
from tags import TagBus, TagStore, TagUpdate

TAGS = ["E01.T101.LT", "E01.T101.TT", "E01.T102.LT"]


async def test_http_push_stores_every_sample_once_and_refuses_other_enterprises(demo_plant, tmp_path: Path, monkeypatch) -> None:
    engine = connect(f"sqlite:///{tmp_path / 'scada.db'}")
    upgrade(engine)
    tokens = GatewayTokens(engine)
    token = tokens.issue("E01", "GW-E01")
    store = TagStore(TagBus())
    store.define([p.tag for p in demo_plant.points] + health_tags(demo_plant))
    historian = Historian(HistorianConfig(), tmp_path / "central")
    dead_broker = UplinkConfig.model_validate({"broker": {"port": free_port()}})  # HTTP push needs no broker
    ingest = EdgeIngest(demo_plant, dead_broker, store, historian, "w1")
    running = asyncio.create_task(ingest.run())
    server = PushServer(create_app(ingest, tokens, asyncio.get_running_loop()), "127.0.0.1", 0)
    server.start()
    url = f"http://127.0.0.1:{server.port}"
    monkeypatch.setenv("SCADA_TEST_TOKEN", token)
    config = UplinkConfig.model_validate({"http": {"url": url, "token_env": "SCADA_TEST_TOKEN"}, "batch": {"max_samples": 7}})
    uplink = Uplink(config, "E01", "FS", "GW-E01", tmp_path / "gw")
    sending = asyncio.create_task(uplink.run())
    try:
        t0 = time.time() - 100
        for k in range(20):
            uplink.offer([TagUpdate(tag, float(k), 0, t0 + k) for tag in TAGS])
        uplink.flush()
        await wait_for(lambda: uplink.stats["acked"] >= 9 and not uplink.backlog, 20, "every batch acknowledged over HTTP")
        loop = asyncio.get_running_loop()
        rows = await loop.run_in_executor(None, lambda: list(historian.raw(TAGS, t0 - 1, t0 + 100)))
        assert sorted((r.tag, r.value) for r in rows) == sorted((tag, float(k)) for tag in TAGS for k in range(20))
        assert store.get("E01.T101.LT").value == 19.0  # live batches reached the tag store (alarms, screens)

        def post(message: bytes, bearer: str) -> requests.Response:
            return requests.post(f"{url}/api/v1/edge/batches", data=message, headers={"Authorization": f"Bearer {bearer}"}, timeout=10)

        body = encode_body("E02", [TagUpdate("E02.T201.LT", 1.0, 0, t0)], True)
        forged = encode_message(Header("E02", "GW-E01", "x", 1, 1, False, True), body)
        answer = await loop.run_in_executor(None, post, forged, token)
        assert answer.status_code == 403 and "E01" in answer.json()["error"]
        assert (await loop.run_in_executor(None, post, forged, "gwt_wrong")).status_code == 401
        assert (await loop.run_in_executor(None, post, b"garbage", token)).status_code == 400
        retry = encode_message(Header("E01", "GW-E01", uplink.spool.stream, 3, 3, False, True), body)
        again = await loop.run_in_executor(None, post, retry, token)
        assert again.status_code == 200 and again.json() == {"acked": 3, "duplicate": True}
        rows = await loop.run_in_executor(None, lambda: list(historian.raw(["E02.T201.LT"], t0 - 1, t0 + 1)))
        assert rows == []  # nothing of the forged batch was stored
    finally:
        uplink.stop()
        await sending
        await loop.run_in_executor(None, server.stop)
        ingest.stop()
        await running
        historian.close()
        engine.dispose()
