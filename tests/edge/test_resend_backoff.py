"""A gateway whose central is slow (not gone) backs off its re-sends instead of burying it in copies."""

from __future__ import annotations

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
