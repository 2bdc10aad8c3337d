"""A gateway whose central is slow (not gone) backs off its re-sends instead of burying it in copies."""

from __future__ import annotations

import json
from pathlib import Path

from rig import free_port

from edge.config import UplinkConfig
from edge.uplink import MAX_ACK_TIMEOUT_FACTOR, Uplink


def test_each_resend_without_progress_doubles_the_timeout_and_progress_resets_it(tmp_path: Path) -> None:
    config = UplinkConfig.model_validate({"broker": {"port": free_port()}, "ack_timeout_s": 5.0})
    uplink = Uplink(config, "E01", "FS", "GW-E01", tmp_path / "gw")
    now = [1000.0]
    uplink._now = lambda: now[0]  # type: ignore[method-assign]
    try:
        uplink.acked, uplink.sent_through, uplink._progress_at = 10, 40, now[0]  # 30 batches in flight
        waits = []
        for _ in range(6):
            timeout = uplink.ack_timeout_s
            now[0] += timeout - 0.1
            uplink._resend_if_stalled()
            assert uplink.sent_through == 40  # not yet: the timeout has not run out
            now[0] += 0.2
            uplink._resend_if_stalled()
            assert uplink.sent_through == uplink.acked == 10  # everything unacknowledged goes out again
            waits.append(timeout)
            uplink.sent_through = 40  # published again
        assert waits == [5.0, 10.0, 20.0, 40.0, 40.0, 40.0] and 40.0 == MAX_ACK_TIMEOUT_FACTOR * 5.0
        assert uplink.stats["resends"] == 6
        uplink._acknowledged(25)  # the central moved: back to the configured timeout
        assert uplink.ack_timeout_s == 5.0 and uplink.acked == 25
    finally:
        uplink._io.shutdown(wait=True)  # the spool removal the acknowledgement queued
        uplink.spool.close()


def test_a_gap_the_worker_reports_is_published_again_at_once(tmp_path: Path) -> None:
    config = UplinkConfig.model_validate({"broker": {"port": free_port()}})
    uplink = Uplink(config, "E01", "FS", "GW-E01", tmp_path / "gw")
    try:
        uplink.acked, uplink.sent_through = 10, 40
        ack = {"stream": uplink.spool.stream, "seq": 12, "resend_from": 20}  # stored through 12, holds 13…19, misses 20 on
        uplink._on_message("scada/v1/_ack/E01", json.dumps(ack).encode())
        assert (uplink.acked, uplink.sent_through, uplink.stats["resends"]) == (12, 19, 1)
        uplink._on_message("scada/v1/_ack/E01", json.dumps(ack | {"resend_from": 45}).encode())  # not sent yet: nothing to do
        assert (uplink.sent_through, uplink.stats["resends"]) == (19, 1)
        other = {"stream": "another", "seq": 30, "resend_from": 13}
        uplink._on_message("scada/v1/_ack/E01", json.dumps(other).encode())  # another stream's: ignored
        assert (uplink.acked, uplink.sent_through) == (12, 19)
    finally:
        uplink._io.shutdown(wait=True)
        uplink.spool.close()


def test_the_worker_asks_once_for_a_gap_with_what_it_has_stored(demo_plant, tmp_path: Path) -> None:
    from edge.central import Commit, EdgeIngest
    from edge.payload import Header, encode_body, encode_message
    from historian.config import HistorianConfig
    from historian.service import Historian
    from tags import TagBus, TagStore, TagUpdate

    store = TagStore(TagBus())
    store.define([p.tag for p in demo_plant.points])
    historian = Historian(HistorianConfig(), tmp_path / "central")
    ingest = EdgeIngest(demo_plant, UplinkConfig.model_validate({"broker": {"port": free_port()}}), store, historian, "w1")
    sent: list[tuple[str, dict[str, object]]] = []
    ingest.link.publish = lambda topic, payload, retain=False: sent.append((topic, json.loads(payload)))  # type: ignore[method-assign]
    try:

        def batch(seq: int) -> None:
            body = encode_body("E01", [TagUpdate("E01.T101.LT", float(seq), 0, 1_800_000_000.0 + seq)], True)
            ingest._accept("", encode_message(Header("E01", "GW-E01", "s1", seq, 1, False, True), body), Commit())

        batch(1)
        ingest.streams["E01"].committed = 1  # stored
        batch(2)  # applied, not yet stored
        batch(4)  # 3 is missing
        batch(5)
        assert sent == [("scada/v1/_ack/E01", {"stream": "s1", "seq": 1, "resend_from": 3})]  # once for this gap
        batch(3)  # the gap fills: 3, 4, 5 applied in order
        assert ingest.streams["E01"].expected == 6 and len(sent) == 1
    finally:
        historian.close()
