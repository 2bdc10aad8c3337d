"""Forwarding to InfluxDB over several connections: a forward's body is cut on whole lines."""

from __future__ import annotations

import pytest

from historian.influx_backend import split_lines


@pytest.mark.parametrize("parts", [1, 2, 3, 8])
@pytest.mark.parametrize("lines", [1, 2, 5, 1000])
def test_a_body_is_cut_into_whole_lines_that_rejoin_to_it(parts: int, lines: int) -> None:
    body = b"\n".join(f"v,point=P{i} value={i * 1.5},q=0i,st={i}i {1_000_000 + i}".encode() for i in range(lines))
    pieces = split_lines(body, parts)
    assert b"\n".join(pieces) == body
    assert 1 <= len(pieces) <= min(parts, lines)
    assert all(p and not p.startswith(b"\n") and not p.endswith(b"\n") for p in pieces)
    if lines >= 1000:  # about equal sizes, so each connection carries its share
        assert max(map(len, pieces)) < 1.1 * len(body) / parts + 100


def test_an_empty_body_stays_one_empty_piece() -> None:
    assert split_lines(b"", 2) == [b""]
