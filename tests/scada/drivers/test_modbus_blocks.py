"""Block coalescing: the expected number of reads, never a point split across blocks."""

from __future__ import annotations

from scada.drivers.modbus_blocks import MAX_REGISTERS, PointAddress, plan_blocks


def floats(*addresses: int, table: str = "holding") -> list[PointAddress]:
    return [PointAddress(f"P{a}", table, a, "float32") for a in addresses]


def test_contiguous_points_make_one_block() -> None:
    blocks = plan_blocks(floats(0, 2, 4, 6))
    assert [(b.start, b.count) for b in blocks] == [(0, 8)]
    assert [offset for _, offset in blocks[0].points] == [0, 2, 4, 6]


def test_small_gaps_are_read_through_and_large_ones_split() -> None:
    blocks = plan_blocks(floats(0, 2, 10, 40), max_gap=8)
    assert [(b.start, b.count) for b in blocks] == [(0, 12), (40, 2)]


def test_block_size_limit_is_respected() -> None:
    points = floats(*range(0, 400, 2))  # 200 float32 = 400 registers
    blocks = plan_blocks(points)
    assert len(blocks) == 4 and all(b.count <= MAX_REGISTERS for b in blocks)
    assert sum(len(b.points) for b in blocks) == 200
    for b in blocks:
        for p, offset in b.points:
            assert b.start + offset == p.address and offset + p.width <= b.count


def test_tables_never_mix_and_bits_use_their_own_limit() -> None:
    coils = [PointAddress(f"C{a}", "coil", a, "bool") for a in range(0, 3000)]
    blocks = plan_blocks([*floats(0, 2), *coils])
    assert [(b.table, b.start, b.count) for b in blocks] == [("coil", 0, 2000), ("coil", 2000, 1000), ("holding", 0, 4)]


def test_demo_tank_farm_plan(demo_plant) -> None:
    refs = [r for r in demo_plant.points if r.device.id == "PLC1" and r.enterprise.code == "E01" and r.point.source.table == "holding"]
    points = [PointAddress(r.tag, r.point.source.table, r.point.source.address, r.point.source.type) for r in refs]
    blocks = plan_blocks(points)
    # 10 tanks × 6 float32 at base 0, 20, …, 180 plus 8 dike detectors at base 200: registers 0–215,
    # read in 2 blocks (the 125-register limit) rather than 68 single reads.
    assert len(points) == 68 and len(blocks) == 2
