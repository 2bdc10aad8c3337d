"""Modbus register codec: 16-bit registers ⇄ engineering values.

One codec for every Modbus path (driver and simulator): data types int16, uint16, int32,
uint32, float32, float64 and bool; byte order inside a register and word order across
registers; linear scaling raw → engineering units. Decoding a whole block packs its registers
into bytes once and unpacks each point at its offset with a precompiled ``struct.Struct``.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

from scada.config.schema import MODBUS_TYPE_WORDS as WORDS
from scada.config.schema import ModbusSource

_FORMATS = {"int16": "h", "uint16": "H", "int32": "i", "uint32": "I", "float32": "f", "float64": "d", "bool": "H"}


_INT_LIMITS = {"int16": (-(2**15), 2**15 - 1), "uint16": (0, 2**16 - 1), "int32": (-(2**31), 2**31 - 1), "uint32": (0, 2**32 - 1)}


class CodecError(ValueError):
    """A value that cannot be encoded for its register type (out of range, not finite for an integer)."""


@dataclass(frozen=True, slots=True)
class Codec:
    """The compiled codec of one point's source."""

    type: str
    words: int
    swap_bytes: bool  # byte_order little: the two bytes of every register are swapped
    swap_words: bool  # word_order little: least significant register first
    scale: tuple[float, float, float, float] | None  # raw_lo, raw_hi, eng_lo, eng_hi
    struct: struct.Struct

    @classmethod
    def for_source(cls, source: ModbusSource) -> Codec:
        scale = (*source.scale.raw, *source.scale.eng) if source.scale else None
        if scale and scale[0] == scale[1]:
            raise CodecError(f"scale raw range {source.scale.raw} is empty")  # type: ignore[union-attr]
        return cls(
            source.type,
            WORDS[source.type],
            source.byte_order == "little",
            source.word_order == "little",
            scale,
            struct.Struct(">" + _FORMATS[source.type]),
        )

    # -- registers → value ----------------------------------------------------------------------

    def _ordered(self, registers: Sequence[int]) -> bytes:
        regs = list(registers)
        if self.swap_words:
            regs.reverse()
        data = struct.pack(f">{len(regs)}H", *regs)
        if self.swap_bytes:
            data = bytes(b for i in range(0, len(data), 2) for b in (data[i + 1], data[i]))
        return data

    def decode(self, registers: Sequence[int]) -> float | int | bool:
        """Value of this point from exactly ``words`` registers."""
        return self.from_raw(self.struct.unpack(self._ordered(registers))[0])

    def decode_at(self, block: bytes, register_offset: int) -> float | int | bool:
        """Value from a block already packed big-endian (``pack_block``), at a register offset."""
        if self.swap_bytes or self.swap_words:
            start = register_offset * 2
            regs = struct.unpack_from(f">{self.words}H", block, start)
            return self.decode(regs)
        return self.from_raw(self.struct.unpack_from(block, register_offset * 2)[0])

    def from_raw(self, raw: float | int) -> float | int | bool:
        if self.type == "bool":
            return bool(raw)
        if self.scale is None:
            return raw
        r0, r1, e0, e1 = self.scale
        return e0 + (raw - r0) * (e1 - e0) / (r1 - r0)

    # -- value → registers (simulator, writes) ----------------------------------------------------

    def to_raw(self, value: float | int | bool) -> float | int:
        if self.scale is not None and self.type != "bool":
            r0, r1, e0, e1 = self.scale
            value = r0 + (float(value) - e0) * (r1 - r0) / (e1 - e0)
        if self.type in ("float32", "float64"):
            return float(value)
        if isinstance(value, float) and not math.isfinite(value):
            raise CodecError(f"{value} cannot be stored in a {self.type} register")
        return round(value)

    def encode(self, value: float | int | bool, saturate: bool = False) -> list[int]:
        """Registers holding ``value``; ``saturate`` clamps to the type's limits as a real transmitter does."""
        raw = self.to_raw(value)
        if saturate and self.type in _INT_LIMITS:
            low, high = _INT_LIMITS[self.type]
            raw = min(max(raw, low), high)
        try:
            data = self.struct.pack(raw)
        except struct.error as exc:
            raise CodecError(f"{value!r} does not fit a {self.type} register: {exc}") from None
        regs = list(struct.unpack(f">{self.words}H", data))
        if self.swap_bytes:
            regs = [((r & 0xFF) << 8) | (r >> 8) for r in regs]
        if self.swap_words:
            regs.reverse()
        return regs


def pack_block(registers: Sequence[int]) -> bytes:
    """Registers of one block read as big-endian bytes, for ``Codec.decode_at``."""
    return struct.pack(f">{len(registers)}H", *registers)
