"""The worker's group commits: the next one is applied while the previous is stored, and only stored ones are
acknowledged — a failed store takes the commit applied after it back too, so the gateways' re-sends fill both."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from pathlib import Path

from rig import free_port

from edge import topics
from edge.central import EdgeIngest
from edge.config import UplinkConfig
from edge.payload import Header, encode_body, encode_message
from historian.config import HistorianConfig
from historian.errors import HistorianUnavailable
from historian.rows import Row
from historian.service import Historian
from tags import TagBus, TagStore, TagUpdate

TAG, T0 = "E01.T101.LT", 1_800_000_000.0


def message(seq: int) -> bytes:
    body = encode_body("E01", [TagUpdate(TAG, float(seq), 0, T0 + seq)], True)
    return encode_message(Header("E01", "GW-E01", "s1", seq, 1, False, True), body)


async def until(condition, timeout_s: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = asyncio.get_running_loop().time() + timeout_s
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.01)


def test_a_commit_is_applied_while_the_previous_is_stored_and_a_failed_store_takes_both_back(demo_plant, tmp_path: Path) -> None:
    store = TagStore(TagBus())
    store.define([p.tag for p in demo_plant.points])
    historian = Historian(HistorianConfig(), tmp_path / "central")
    config = UplinkConfig.model_validate({"broker": {"port": free_port()}, "commit_every_s": 0.01})
    ingest = EdgeIngest(demo_plant, config, store, historian, "w1")
    acks: list[int] = []
    ingest.link.publish = lambda topic, payload, retain=False: acks.append(json.loads(payload)["seq"])  # type: ignore[method-assign]
    ingest.membership.mine = {"E01"}
    topic = topics.data(config.topic_prefix, "FS", "E01")
    real_store, release, calls = historian.store, asyncio.Event(), []

    async def first_store_fails(rows: Sequence[Row]) -> None:  # the historian goes down during the first write
        calls.append([r.value for r in rows])
        if len(calls) == 1:
            await release.wait()
            raise HistorianUnavailable("influxd gone")
        await real_store(rows)

    historian.store = first_store_fails  # type: ignore[method-assign]

    async def scenario() -> None:
        ingest._wake = asyncio.Event()
        loop = asyncio.create_task(ingest._commit_loop())
        ingest._on_message(topic, message(1))
        await until(lambda: len(calls) == 1)
        ingest._on_message(topic, message(2))
        await until(lambda: store.get(TAG).value == 2.0)  # applied while commit 1 is still being stored
        assert acks == [] and ingest.streams["E01"].expected == 3
        release.set()
        await until(lambda: ingest.counters.store_failures == 1)
        await until(lambda: ingest.streams["E01"].expected == 1)  # both forgotten: nothing of them is stored
        assert acks == []
        for seq in (1, 2):  # the gateway publishes both again
            ingest._on_message(topic, message(seq))
        await until(lambda: acks and acks[-1] == 2)
        ingest.stop()
        await loop

    try:
        asyncio.run(scenario())
        assert calls[0] == [1.0] and sorted(v for c in calls[1:] for v in c) == [1.0, 2.0]
        stored = list(historian.backend.raw([TAG], round(T0 * 1e6), round((T0 + 10) * 1e6)))
        assert [(r.value, r.t) for r in stored] == [(1.0, round((T0 + 1) * 1e6)), (2.0, round((T0 + 2) * 1e6))]
        assert ingest.counters.duplicates == 0
    finally:
        historian.close()
