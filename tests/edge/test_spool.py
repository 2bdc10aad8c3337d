"""The gateway's disk buffer: ordered reads after a seq, forgetting through an ack, a stable stream id."""

from __future__ import annotations

from pathlib import Path

from edge.spool import Spool


def test_sequence_numbers_survive_a_restart_and_are_never_reused(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "b.db", 10_000)
    for i in range(5):
        assert spool.push(f"batch{i}".encode(), 10, i)
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
    assert a.push(b"x", 900, 0) and not a.push(b"y", 200, 0)
    assert a.refused_rows == 200
    a.close()
    b.close()
