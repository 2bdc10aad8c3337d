"""The uplink's message format: one header line (JSON) and a batched body (JSON, zlib-compressed by default).

``{"v":1,"ent":"E01","gw":"GW-E01","stream":"9f2c…","seq":17,"first":12,"late":false,"z":1}\\n<body>``

The header is built at publish time (``first`` — the oldest batch the gateway still holds — and
``late`` change while a batch waits) and read without touching the samples, so a worker routes,
orders and acknowledges cheaply. The body is made once, when the batch is stored on disk:
``{"t0": <ms since epoch>, "s": [[tag without the enterprise prefix, value, quality, dt_ms], …]}``.
Why JSON and not a binary format: values are mixed (float, bool, text), any MQTT tool can read
it, and with zlib the repeated tag names cost almost nothing — 1,000 samples are ≈ 9 kB
compressed against ≈ 40 kB plain (see docs/configuration.md); decoding is ~1 µs per sample.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from edge.errors import PayloadError
from tags import TagUpdate

VERSION = 1


@dataclass(frozen=True, slots=True)
class Header:
    enterprise: str
    gateway: str
    stream: str  # identifies one gateway disk buffer: seq numbers restart only with a new stream
    seq: int
    first: int  # the oldest batch the gateway had not seen acknowledged when it sent this one
    late: bool
    compressed: bool

    def to_json(self) -> dict[str, object]:
        return {
            "v": VERSION,
            "ent": self.enterprise,
            "gw": self.gateway,
            "stream": self.stream,
            "seq": self.seq,
            "first": self.first,
            "late": self.late,
            "z": int(self.compressed),
        }


def encode_body(enterprise: str, samples: Sequence[TagUpdate], compress: bool) -> bytes:
    """The batch body; ``samples`` all belong to ``enterprise`` (their tags start with ``<enterprise>.``)."""
    t0 = round(min(s.source_time for s in samples) * 1000) if samples else 0
    cut = len(enterprise) + 1
    rows = [[s.tag[cut:], s.value, s.quality, round(s.source_time * 1000) - t0] for s in samples]
    body = json.dumps({"t0": t0, "s": rows}, separators=(",", ":"), ensure_ascii=False).encode()
    return zlib.compress(body, 6) if compress else body


def encode_message(header: Header, body: bytes) -> bytes:
    return json.dumps(header.to_json(), separators=(",", ":")).encode() + b"\n" + body


def decode_header(message: bytes) -> tuple[Header, bytes]:
    line, sep, body = message.partition(b"\n")
    try:
        h = json.loads(line)
        if not sep or h.get("v") != VERSION:
            raise PayloadError(f"unsupported message (version {h.get('v')!r})")
        header = Header(str(h["ent"]), str(h["gw"]), str(h["stream"]), int(h["seq"]), int(h["first"]), bool(h["late"]), bool(h["z"]))
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise PayloadError(f"malformed message header: {exc}") from None
    return header, body


def decode_samples(header: Header, body: bytes) -> list[TagUpdate]:
    """The samples with full tag names and source times in POSIX seconds."""
    try:
        data = json.loads(zlib.decompress(body) if header.compressed else body)
        t0 = data["t0"]
        prefix, new = header.enterprise + ".", tuple.__new__  # plain tuple construction: TagUpdate() is a Python call
        return [new(TagUpdate, (prefix + tag, value, int(quality), (t0 + dt) / 1000)) for tag, value, quality, dt in data["s"]]
    except (ValueError, KeyError, TypeError, zlib.error) as exc:
        raise PayloadError(f"malformed batch {header.enterprise}#{header.seq}: {exc}") from None
