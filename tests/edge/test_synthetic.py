"""The national bench's random gateways: the load they offer and the times their samples carry."""

from __future__ import annotations

from edge.synthetic import RandomSource
from tags import TagUpdate


class Offers:
    enterprise = "E01"

    def __init__(self) -> None:
        self.samples: list[TagUpdate] = []

    def offer(self, samples: list[TagUpdate]) -> None:
        self.samples.extend(samples)


def test_a_step_offers_the_rate_of_its_due_time_stamped_with_that_time() -> None:
    uplink = Offers()
    source = RandomSource(uplink, ["E01.A", "E01.B"], rate=100.0, burst=5.0, burst_s=10.0, burst_every_s=100.0)  # type: ignore[arg-type]
    source.step(1_000_050.0, 0.1)  # due outside a burst (50 s into the cycle), even if it runs late
    assert len(uplink.samples) == 10 and {s.source_time for s in uplink.samples} == {1_000_050.0}
    source.step(1_000_100.0, 0.1)  # due at a burst's start: five times the rate
    assert len(uplink.samples) == 10 + 50 and {s.source_time for s in uplink.samples[10:]} == {1_000_100.0}
    assert source.sent == 60 and {s.tag for s in uplink.samples} <= {"E01.A", "E01.B"}


def test_ticks_that_run_late_still_carry_their_due_times() -> None:
    import asyncio
    import time

    from edge.synthetic import tick_all

    class Slow:
        def __init__(self) -> None:
            self.due: list[float] = []

        def step(self, now: float, tick: float) -> None:
            self.due.append(now)
            if len(self.due) == 1:
                time.sleep(0.35)  # the simulator is held up: three ticks fall due meanwhile

    async def run(source: Slow) -> None:
        task = asyncio.create_task(tick_all([source], tick=0.1))  # type: ignore[list-item]
        while len(source.due) < 6:
            await asyncio.sleep(0.01)
        task.cancel()

    source = Slow()
    asyncio.run(run(source))
    steps = [round(b - a, 6) for a, b in zip(source.due, source.due[1:], strict=False)]
    assert steps[:5] == [0.1] * 5  # the late ticks ran back to back, each stamped with its own due time
