"""The gateway's disk buffer: ordered reads after a seq, forgetting through an ack, a stable stream id."""

from __future__ import annotations

from pathlib import Path

from edge.spool import Spool


def test_sequence_numbers_survive_a_restart_and_are_never_reused(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "b.db", 10_000)
    assert [spool.push(f"batch{i}".encode(), 10, i) for i in range(5)] == [1, 2, 3, 4, 5]  # push gives the seq
    assert [b.seq for b in spool.after(2, 10)] == [3, 4, 5]
    assert [b.seq for b in spool.after(0, 2)] == [1, 2]
    assert spool.remove_through(3) == 3 and spool.rows == 20
    stream = spool.stream
    spool.close()
    again = Spool(tmp_path / "b.db", 10_000)
    assert again.stream == stream and again.rows == 20
    assert again.first_seq() == 4 and again.last_seq() == 5
    again.remove_through(5)
    assert again.first_seq() is None and again.last_seq() == 5
    again.push(b"next", 1, 9)
    assert [b.seq for b in again.after(0, 10)] == [6]
    again.close()


def test_a_new_file_is_a_new_stream_and_a_full_buffer_refuses(tmp_path: Path) -> None:
    a, b = Spool(tmp_path / "a.db", 1_000), Spool(tmp_path / "b.db", 1_000)
    assert a.stream != b.stream
    assert a.push(b"x", 900, 0) == 1 and a.push(b"y", 200, 0) is None
    assert a.refused_rows == 200
    a.close()
    b.close()


def test_the_sender_takes_fresh_batches_from_memory_only_when_they_follow_on(tmp_path: Path) -> None:
    from edge.config import HttpPush, UplinkConfig
    from edge.uplink import Uplink

    uplink = Uplink(UplinkConfig(http=HttpPush(url="http://127.0.0.1:9/")), "E01", "FS", "GW-E01", tmp_path)
    try:
        stored = [uplink._store(b"body", 1, 0) for _ in range(5)]
        for batch in stored:
            uplink._fresh_batch(batch)
        assert [b.seq for b in uplink._take_fresh(0, 3) or []] == [1, 2, 3]
        assert uplink._take_fresh(0, 3) is None  # rewound to 0: batch 1 has left memory, the disk has it
        assert [b.seq for b in uplink._take_fresh(3, 10) or []] == [4, 5]
        uplink._fresh_batch(uplink._store(b"body", 1, 0))
        assert uplink._take_fresh(4, 10) is None  # 5 is no longer in memory: read from disk; 6 comes once 5 is out
        assert [b.seq for b in uplink._take_fresh(5, 10) or []] == [6]
    finally:
        uplink.spool.close()
