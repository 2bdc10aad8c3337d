"""Stopping asyncio tasks that may lose a cancellation.

pymodbus can swallow a cancellation and wait on the request it interrupted, and on Python 3.11 a
cancellation that coincides with an ``asyncio.timeout``/``wait_for`` expiry can be lost altogether;
a plain ``task.cancel(); await task`` then never returns (a CI run hung on it). ``cancel_and_wait``
repeats the cancellation — after ``on_retry`` (e.g. closing a connection, which fails a pending
request) — until the task has really ended.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

log = logging.getLogger(__name__)
RETRY_S = 1.0  # how long a cancelled task gets before its cancellation is repeated


async def cancel_and_wait(task: asyncio.Task[object], on_retry: Callable[[], None] = lambda: None, what: str = "") -> None:
    attempts = 0
    while not task.done():
        if attempts == 1:
            log.warning("task did not stop on the first cancellation; repeating", extra={"ctx": {"task": what or task.get_name()}})
        task.cancel()
        on_retry()
        await asyncio.wait({task}, timeout=RETRY_S)
        attempts += 1
    with contextlib.suppress(asyncio.CancelledError):
        task.result()
