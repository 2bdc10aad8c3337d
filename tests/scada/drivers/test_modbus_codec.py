"""The Modbus codec: every type and byte/word order round trips; known register images decode right."""

from __future__ import annotations

import itertools
import math

import pytest

from scada.config.schema import ModbusSource, Scale
from scada.drivers.modbus_codec import Codec, CodecError, pack_block

ORDERS = list(itertools.product(("big", "little"), ("big", "little")))
SAMPLES = {
    "int16": [0, 1, -1, 32767, -32768, 1234],
    "uint16": [0, 1, 65535, 40000],
    "int32": [0, -1, 2**31 - 1, -(2**31), 123456789],
    "uint32": [0, 2**32 - 1, 3_000_000_000],
    "float32": [0.0, 1.5, -273.15, 3.4e38, 1e-30],
    "float64": [0.0, math.pi, -1e300, 12345.6789],
    "bool": [True, False],
}


def codec(type_: str, byte_order: str = "big", word_order: str = "big", scale: Scale | None = None) -> Codec:
    return Codec.for_source(ModbusSource(address=0, type=type_, byte_order=byte_order, word_order=word_order, scale=scale))


@pytest.mark.parametrize(("byte_order", "word_order"), ORDERS)
@pytest.mark.parametrize("type_", list(SAMPLES))
def test_every_type_and_order_round_trips(type_: str, byte_order: str, word_order: str) -> None:
    c = codec(type_, byte_order, word_order)
    for value in SAMPLES[type_]:
        registers = c.encode(value)
        assert len(registers) == c.words and all(0 <= r <= 0xFFFF for r in registers)
        decoded = c.decode(registers)
        if type_ == "float32":
            assert decoded == pytest.approx(value, rel=1e-7)
        else:
            assert decoded == value
        block = pack_block([0xDEAD, *registers, 0xBEEF])  # inside a block, at offset 1
        assert c.decode_at(block, 1) == decoded


def test_known_register_images() -> None:
    # 123.456 as float32 is 0x42F6E979: ABCD = [0x42F6, 0xE979]
    assert codec("float32").decode([0x42F6, 0xE979]) == pytest.approx(123.456, rel=1e-6)
    assert codec("float32", word_order="little").decode([0xE979, 0x42F6]) == pytest.approx(123.456, rel=1e-6)  # CDAB
    assert codec("float32", byte_order="little").decode([0xF642, 0x79E9]) == pytest.approx(123.456, rel=1e-6)  # BADC
    assert codec("float32", "little", "little").decode([0x79E9, 0xF642]) == pytest.approx(123.456, rel=1e-6)  # DCBA
    assert codec("int16").decode([0xFFFE]) == -2
    assert codec("uint32").decode([0x0001, 0x0000]) == 65536
    assert codec("int32", word_order="little").decode([0x0000, 0x0001]) == 65536


def test_linear_scaling_both_ways() -> None:
    c = codec("uint16", scale=Scale(raw=(0, 4000), eng=(0, 20)))  # 0–4000 counts → 0–20 m
    assert c.decode([2000]) == pytest.approx(10.0)
    assert c.encode(15.0) == [3000]
    offset = codec("int16", scale=Scale(raw=(-1000, 1000), eng=(-40, 60)))
    assert offset.decode([0]) == pytest.approx(10.0)


def test_nan_survives_floats_and_is_refused_by_integers() -> None:
    assert math.isnan(codec("float32").decode(codec("float32").encode(float("nan"))))
    with pytest.raises(CodecError, match="cannot be stored in a int16"):
        codec("int16").encode(float("nan"))
    with pytest.raises(CodecError, match="does not fit a uint16"):
        codec("uint16").encode(70000)
