"""Coalesce a device's Modbus points into block reads.

Points of one device, table and scan class are sorted by address and merged into blocks while the
gap between them is at most ``max_gap`` registers and the block stays within the protocol limit
(125 registers for holding/input, 2000 bits for coils/discrete inputs). Reading a few unused
registers in a gap is cheaper than another request round trip.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from scada.drivers.modbus_codec import WORDS

MAX_REGISTERS = 125
MAX_BITS = 2000


@dataclass(frozen=True, slots=True)
class PointAddress:
    tag: str
    table: str
    address: int
    type: str

    @property
    def width(self) -> int:
        return WORDS[self.type] if self.table in ("holding", "input") else 1


@dataclass(slots=True)
class Block:
    table: str
    start: int
    count: int
    points: list[tuple[PointAddress, int]] = field(default_factory=list)  # (point, offset in block)

    @property
    def end(self) -> int:
        return self.start + self.count


def plan_blocks(points: Iterable[PointAddress], max_gap: int = 8, max_size: int | None = None) -> list[Block]:
    """Blocks covering every point, in (table, address) order; a point never straddles two blocks."""
    blocks: list[Block] = []
    for p in sorted(points, key=lambda p: (p.table, p.address)):
        limit = max_size or (MAX_REGISTERS if p.table in ("holding", "input") else MAX_BITS)
        last = blocks[-1] if blocks else None
        fits = (
            last is not None
            and last.table == p.table
            and p.address - last.end <= max_gap
            and max(last.end, p.address + p.width) - last.start <= limit
        )
        if fits and last is not None:
            last.count = max(last.end, p.address + p.width) - last.start
            last.points.append((p, p.address - last.start))
        else:
            blocks.append(Block(p.table, p.address, p.width, [(p, 0)]))
    return blocks
