"""A historian in its own process, fed a counter per tag at a steady rate — the writer the kill -9 test kills.

    python feeder.py INFLUX_URL DATABASE DATA_DIR TAGS RATE_HZ [--drain-only]

Tag ``F.T{i}.PV`` gets the values 0, 1, 2, … with source time = the moment it was produced.
With ``--drain-only`` nothing is produced: the process only forwards its disk buffer, then exits.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from historian.config import HistorianConfig
from historian.service import Historian
from tags import Quality, TagBus, TagStore, TagUpdate


async def main(url: str, database: str, data_dir: Path, tags: int, rate_hz: float, drain_only: bool) -> None:
    config = HistorianConfig.model_validate(
        {"backend": "influxdb1", "influxdb1": {"url": url, "database": database}, "batch": {"max_delay_s": 0.1}, "buffer": {"retry_s": 0.1}}
    )
    bus = TagBus()
    store = TagStore(bus)
    names = [f"F.T{i}.PV" for i in range(tags)]
    store.define(names)
    historian = Historian(config, data_dir, publish=None)
    historian.subscribe(bus)
    task = asyncio.create_task(historian.run(bus))
    if drain_only:
        while historian.buffer is not None and historian.buffer.rows:
            await asyncio.sleep(0.05)
    else:
        seq = 0
        while True:
            now = time.time()
            store.update([TagUpdate(name, float(seq), Quality.GOOD, now) for name in names])
            seq += 1
            await asyncio.sleep(1 / rate_hz)
    historian.stop()
    await task
    historian.close()


if __name__ == "__main__":
    url, database, data_dir, tags, rate = sys.argv[1:6]
    asyncio.run(main(url, database, Path(data_dir), int(tags), float(rate), "--drain-only" in sys.argv))
