"""Opens an orange warning for E01 at T0, runs its timers to T0 + 30 min, prints READY and waits to be killed."""

from __future__ import annotations

import sys
import time

from alarm_rig import Clock
from risk_rig import ROOT, T0, H, make_service

from scada.config import load_plant

clock = Clock(T0)
service = make_service(load_plant(ROOT / "config"), sys.argv[1], clock)
service.workflow.apply_level("E01", "orange", T0)
clock.t = T0 + 0.5 * H
service.workflow.tick()
print("READY", flush=True)
time.sleep(600)
