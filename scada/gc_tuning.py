"""Keep the cyclic garbage collector off the long-lived heap.

A running server holds a large heap that lives as long as the process (the plant model, alarm
detectors and rule tables, the tag store: millions of objects at national scale), while its hot
path allocates short-lived tuples for every sample. Every allocation-triggered collection of the
older generations walks that whole heap: profiled on ``bench/pipeline.py`` (Modbus → tag bus →
alarms → InfluxDB, 20,000 points), it took about half of the process's CPU — 84,000 → 157,000
points per CPU-second once frozen. ``gc.freeze()`` moves every object alive now into a permanent
generation the collector never scans; call it once the long-lived state is built, and again after
a hot reload has built new configuration objects. Garbage made later is collected as before.

Start-up itself builds that heap, and the collections it triggers walk it again and again: loading a
440,000-point plant and building the server took 87 s, 48 of them in full collections
(``bench/national.py``). ``pause_until_frozen()`` turns the collector off until the freeze.
"""

from __future__ import annotations

import gc


def pause_until_frozen() -> None:
    gc.disable()


def freeze_long_lived() -> None:
    gc.unfreeze()  # after a reload the replaced configuration may hold cycles: let this collection free them
    gc.collect()  # what is garbage now is freed, not frozen
    gc.freeze()
    gc.enable()
