"""A task that swallows a cancellation (as pymodbus or a lost timeout race does) is still stopped."""

from __future__ import annotations

import asyncio

from scada.tasks import cancel_and_wait


async def test_a_task_that_swallows_the_first_cancellation_is_cancelled_again_until_it_ends() -> None:
    swallowed, retries = [], []

    async def stubborn() -> None:
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            swallowed.append(1)
            asyncio.current_task().uncancel()  # type: ignore[union-attr]  # the lost cancellation
        await asyncio.sleep(3600)  # carries on as if nothing happened

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    await asyncio.wait_for(cancel_and_wait(task, lambda: retries.append(1)), 5)
    assert task.done() and task.cancelled() and swallowed == [1] and len(retries) == 2
