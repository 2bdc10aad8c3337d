"""HMI bench on the demo plant: `scada simulate` + `scada run` as real processes (port-shifted copy of config/).

- first paint: a real headless Chromium opens each main screen (median of 3 loads) and waits until
  the screen's content and its first live values are drawn; the slowest screen is the headline.
  "Drawn" is taken in the page — the first frame rendered after both are in the document (an observer
  installed before the page's own scripts), counted from the moment the bench asks for the page. The
  bench also prints when WebDriver's polling saw it ("seen"), as this bench measured before: that adds
  the polling's own latency — a command runs only when the page's main thread is free and then has to
  come back — up to half a second on a loaded machine, which is not part of drawing the screen.
- 50 sessions: 50 signed-in HTTP sessions poll like a browser on a mimic (live payload + alarm
  banner, once a second); the server process's CPU above its idle baseline is the headline.

Prints ``BENCH hmi_first_paint_ms`` (and ``BENCH hmi_first_paint_seen_ms``) and ``BENCH hmi_50_sessions_cores``.
Usage: .venv/bin/python bench/hmi.py [--sessions 50] [--seconds 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "support")]

from hmi_system import System, start_system, stop  # noqa: E402

SCREENS = {  # path → what shows the screen drawn with live data
    "overview": ("/", "#tile-E01"),
    "enterprise": ("/enterprise?e=E01", "#enterprise"),
    "mimic": ("/mimic?hs=E01-HS1", '.pv[data-tag="E01.T101.LT"]'),
    "alarms": ("/alarms", "#al-table"),
    "journal": ("/journal", "#jr-table"),
    "trends": ("/trends?tags=E01.T101.LT", "#tr-graph .main-svg"),
    "video": ("/video", "#video"),
}
LIVE_READY = "return document.body.getAttribute('data-live') !== null"
# In every page before its own scripts: the time of the first frame rendered once the screen's content
# (SCREENS) and its first live values (body[data-live], set by hmi.js when it applies them) are there.
DRAWN = r"""
(function () {
  var ready = (%s)[location.pathname];
  if (!ready) { return; }
  function check() {
    if (window.__hmiDrawn !== undefined || !document.body) { return; }
    if (document.querySelector(ready) && document.body.getAttribute("data-live") !== null) {
      window.__hmiDrawn = null;
      requestAnimationFrame(function () { setTimeout(function () { window.__hmiDrawn = performance.now(); }, 0); });
    }
  }
  new MutationObserver(check).observe(document, {subtree: true, childList: true, attributes: true, attributeFilter: ["data-live"]});
})();
"""
DRAWN_AT = "return window.__hmiDrawn ? performance.timeOrigin + window.__hmiDrawn : null"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_paint(system: System) -> dict[str, tuple[float, float]]:
    """Per screen: (drawn, seen by WebDriver) in ms from asking for the page, medians of 3 loads."""
    from hmi_browser import chromium
    from selenium.webdriver.common.by import By

    driver = chromium(Path(tempfile.mkdtemp()))
    ready_by_path = {path.split("?")[0]: ready for path, ready in SCREENS.values()}
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": DRAWN % json.dumps(ready_by_path)})
    try:
        driver.get(f"{system.url}/login")
        driver.find_element(By.ID, "username").send_keys("e01-operator")
        driver.find_element(By.ID, "password").send_keys(system.users["e01-operator"])
        driver.find_element(By.ID, "signin").click()
        time.sleep(1)
        out = {}
        for name, (path, ready) in SCREENS.items():
            drawn, seen = [], []
            for _ in range(3):
                asked, start = time.time() * 1000, time.perf_counter()
                driver.get(system.url + path)
                while not (driver.find_elements(By.CSS_SELECTOR, ready) and driver.execute_script(LIVE_READY)):
                    time.sleep(0.005)
                seen.append((time.perf_counter() - start) * 1000)
                while (at := driver.execute_script(DRAWN_AT)) is None:
                    time.sleep(0.005)
                drawn.append(at - asked)
            out[name] = (statistics.median(drawn), statistics.median(seen))
        return out
    finally:
        driver.quit()


def poll_sessions(system: System, sessions: int, seconds: float) -> tuple[float, list[float]]:
    """``sessions`` clients polling like a mimic page; returns (server cores above idle, poll latencies ms)."""
    pid = system.procs[-1].pid
    clients = [system.api("e01-operator") for _ in range(sessions)]
    for c in clients:
        c.headers["X-CSRFToken"] = c.headers["X-CSRF-Token"]
    state = [{"id": "url", "property": "pathname", "value": "/mimic"}, {"id": "url", "property": "search", "value": "?hs=E01-HS1"}]
    tick = [{"id": "tick", "property": "n_intervals", "value": 1}]
    live = {
        "output": "live.data",
        "outputs": {"id": "live", "property": "data"},
        "inputs": [*tick, {"id": "page-ready", "property": "data", "value": 1.0}],
        "state": state,
        "changedPropIds": ["tick.n_intervals"],
    }
    banner = {
        "output": "..banner.children...audible.data..",
        "outputs": [{"id": "banner", "property": "children"}, {"id": "audible", "property": "data"}],
        "inputs": tick,
        "state": [],
        "changedPropIds": ["tick.n_intervals"],
    }
    # Idle baseline: the server acquiring, alarming and recording with no screen open.
    c0, t0 = cpu_seconds(pid), time.monotonic()
    time.sleep(seconds / 2)
    idle = (cpu_seconds(pid) - c0) / (time.monotonic() - t0)
    latencies: list[float] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def run(client, offset: float) -> None:  # type: ignore[no-untyped-def]
        time.sleep(offset)
        while time.monotonic() < stop_at:
            began = time.monotonic()
            for body in (live, banner):
                r = client.post(f"{system.url}/_dash-update-component", json=body, timeout=10)
                r.raise_for_status()
            with lock:
                latencies.append((time.monotonic() - began) * 1000)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - began)))

    threads = [threading.Thread(target=run, args=(c, i / sessions)) for i, c in enumerate(clients)]
    c1, t1 = cpu_seconds(pid), time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    busy = (cpu_seconds(pid) - c1) / (time.monotonic() - t1)
    return busy - idle, latencies


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        system = start_system(Path(tmp))
        try:
            time.sleep(3)  # every device polled once, alarms settled
            paints = first_paint(system)
            for name, (drawn, seen) in paints.items():
                print(f"first paint {name:<10} {drawn:7.0f} ms   (seen by WebDriver {seen:5.0f} ms)")
            cores, latencies = poll_sessions(system, args.sessions, args.seconds)
            latencies.sort()
            print(
                f"{args.sessions} sessions: {len(latencies)} polls, median {statistics.median(latencies):.1f} ms, "
                f"p95 {latencies[int(0.95 * len(latencies))]:.1f} ms"
            )
            print(f"BENCH hmi_first_paint_ms {max(d for d, _ in paints.values()):.0f} ms")
            print(f"BENCH hmi_first_paint_seen_ms {max(s for _, s in paints.values()):.0f} ms")
            print(f"BENCH hmi_{args.sessions}_sessions_cores {cores:.3f} cores")
        finally:
            for p in reversed(system.procs):
                stop(p)


if __name__ == "__main__":
    main()
