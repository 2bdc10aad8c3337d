"""The uplink message format: round trip, compression, and malformed input as PayloadError."""

from __future__ import annotations

import zlib

import pytest

from edge.errors import PayloadError
from edge.payload import Header, decode_header, decode_samples, encode_body, encode_message
from tags import Quality, TagUpdate

SAMPLES = [
    TagUpdate("E01.T101.LT", 12.345, int(Quality.GOOD), 1_700_000_000.123),
    TagUpdate("E01.T101.TT", float("nan"), int(Quality.BAD_NO_COMMUNICATION), 1_700_000_000.456),
    TagUpdate("E01._device.PLC1.online", True, int(Quality.GOOD), 1_700_000_001.0),
    TagUpdate("E01.T101.LT_ALM", False, int(Quality.GOOD), 1_700_000_002.5),
]


@pytest.mark.parametrize("compress", [True, False])
def test_round_trip_keeps_tags_values_qualities_and_millisecond_times(compress: bool) -> None:
    header = Header("E01", "GW-E01", "abc", 7, 5, False, compress)
    back, body = decode_header(encode_message(header, encode_body("E01", SAMPLES, compress)))
    assert back == header
    got = decode_samples(back, body)
    assert [s.tag for s in got] == [s.tag for s in SAMPLES]
    assert got[0].value == 12.345 and got[2].value is True and got[3].value is False
    assert got[1].value != got[1].value  # NaN survives
    assert [s.quality for s in got] == [s.quality for s in SAMPLES]
    assert [round(s.source_time, 3) for s in got] == [round(s.source_time, 3) for s in SAMPLES]


def test_compression_pays_for_repeated_tag_names() -> None:
    samples = [TagUpdate(f"E01.T{i % 50:03d}.LT", float(i), 0, 1_700_000_000 + i / 10) for i in range(1000)]
    plain, packed = encode_body("E01", samples, False), encode_body("E01", samples, True)
    assert len(packed) * 3 < len(plain)
    assert zlib.decompress(packed) == plain


@pytest.mark.parametrize(
    "message",
    [b"", b"not json\nbody", b'{"v": 2, "ent": "E01"}\n{}', b'{"v": 1, "ent": "E01"}\n{}', b'{"v":1}'],
)
def test_malformed_headers_raise_payload_errors(message: bytes) -> None:
    with pytest.raises(PayloadError):
        decode_header(message)


def test_a_corrupt_body_raises_a_payload_error() -> None:
    header = Header("E01", "GW", "s", 1, 1, False, True)
    with pytest.raises(PayloadError):
        decode_samples(header, b"\x78\x9c garbage")
