"""The warning workflow on the HMI's screens (Flask test client on real components, ``hmi_rig``).

The risk service raises E01's level from real alarms in the journal; the overview, the enterprise screen
and the REST API then show that level in scope, and the in-app feed of the warning reaches the banner
(with sound) of the units it was pushed to — not another enterprise's user — until marked seen.
"""

from __future__ import annotations

import json
import re
from typing import Any

from hmi_rig import Env, csrf, dash_post

from risk.scope import Scope

CITY = Scope("city", "BJ")
HOT = [f"E01.T10{i}.TT" for i in range(1, 5)]  # four temperatures of E01 (the alarms of risk's end-to-end test)


def raise_e01_to_yellow(env: Env) -> int:
    """Alarms on E01 held for half an hour, through the real alarm engine and journal, then the risk
    service's evaluation: E01 turns yellow and its warning is pushed. Returns the warning's id."""
    for tag in HOT:
        env.raise_alarm(tag)
    env.clock.t += 1700  # every activation still inside the 30-minute windows, the longest ≈ 28 min old
    env.alarms.tick(env.clock())
    env.alarms.write_journal()
    levels = {e.enterprise: e.level for e in env.services.risk.evaluate()}
    assert levels["E01"] == "yellow" and levels["E02"] == "blue", levels
    env.services.live.refresh()
    (warning,) = env.services.risk.api.warnings(CITY, status="open")
    return warning["id"]


def poll(client: Any, output: str, inputs: list[dict[str, Any]], state: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """One Dash callback request, as the browser's renderer sends it."""
    outputs = [{"id": o.split(".")[0], "property": o.split(".")[1]} for o in output.strip(".").split("...")]
    body = {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": inputs,
        "state": state or [],
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"],
    }
    r = dash_post(client, body)
    assert r.status_code == 200, r.get_data(as_text=True)[:300]
    return r.json["response"]


def live(client: Any, path: str, search: str = "") -> dict[str, list[Any]]:
    inputs = [{"id": "tick", "property": "n_intervals", "value": 1}, {"id": "page-ready", "property": "data", "value": 1.0}]
    state = [{"id": "url", "property": "pathname", "value": path}, {"id": "url", "property": "search", "value": search}]
    return poll(client, "live.data", inputs, state)["live"]["data"]["k"]


def page(client: Any, path: str, search: str = "") -> str:
    inputs = [{"id": "url", "property": "pathname", "value": path}, {"id": "url", "property": "search", "value": search}]
    return json.dumps(poll(client, "..page.children...page-ready.data..", inputs)["page"]["children"], ensure_ascii=False)


def banner(client: Any) -> tuple[str, list[str]]:
    out = poll(client, "..banner.children...audible.data..", [{"id": "tick", "property": "n_intervals", "value": 1}])
    return json.dumps(out["banner"]["children"], ensure_ascii=False), out["audible"]["data"]


def feed_sounds(audible: list[str]) -> list[str]:
    return [a for a in audible if a.startswith("feed:")]


def seen_ids(banner_text: str) -> list[int]:
    """The ids the banner's 已阅 button posts (its ``data-ids``)."""
    (ids,) = re.findall(r'"data-ids": "(\[[^"]*\])"', banner_text)
    return json.loads(ids)


def test_screens_and_api_show_the_level_the_risk_service_raised(env: Env) -> None:
    fs, e01 = env.client("fs"), env.client("e01")
    assert "ov-interim" not in page(fs, "/")  # connected: no interim colouring hint
    before = live(fs, "/")
    assert before["ent-E01"][1].startswith("tile wl-none") and before["wl-yellow"][0] == "0"
    assert live(e01, "/enterprise", "?e=E01")["ent-wl"] == ["未评估", "wl-none"]  # not evaluated yet

    raise_e01_to_yellow(env)
    fs, e01 = env.client("fs"), env.client("e01")  # signed in afresh: half an hour passed

    keys = live(fs, "/")
    assert keys["ent-E01"][1].startswith("tile wl-yellow") and keys["ent-E02"][1].startswith("tile wl-blue")
    counts = {lv: keys[f"wl-{lv}"][0] for lv in ("red", "orange", "yellow", "blue")}
    assert counts == {"red": "0", "orange": "0", "yellow": "1", "blue": "2"}  # E01; E02 and E08
    own = live(e01, "/")
    assert own["wl-yellow"][0] == "1" and own["wl-blue"][0] == "0" and "ent-E02" not in own  # counts follow the scope
    assert live(e01, "/enterprise", "?e=E01")["ent-wl"] == ["黄色", "wl-yellow"]
    assert {e["code"]: e["warning"] for e in fs.get("/api/v1/enterprises").json} == {"E01": "yellow", "E02": "blue", "E08": "blue"}
    assert [e["warning"] for e in e01.get("/api/v1/enterprises").json] == ["yellow"]


def test_a_new_warning_sounds_in_its_units_banner_until_seen(env: Env) -> None:
    text, audible = banner(env.client("e01"))
    assert "banner-feed" not in text and not feed_sounds(audible)

    raise_e01_to_yellow(env)
    e01, e02, fs, dx = (env.client(u) for u in ("e01", "e02", "fs", "dx"))  # signed in afresh: half an hour passed

    text, audible = banner(e01)
    assert "banner-feed" in text and "sounding" in text and "【黄色预警】" in text and "E01" in text
    (sound,) = feed_sounds(audible)
    ids = seen_ids(text)
    assert sound == f"feed:{ids[0]}"
    district_text, district_audible = banner(fs)  # pushed to the district too: its own row, sounding on its own
    assert "【黄色预警】" in district_text and len(feed_sounds(district_audible)) == 1
    for other in (e02, dx):  # another enterprise, another district: nothing of E01's warning, server-side
        text_other, audible_other = banner(other)
        assert "banner-feed" not in text_other and "E01" not in text_other and not feed_sounds(audible_other)
        assert "E01" not in other.get("/api/v1/warnings/feed").get_data(as_text=True)

    # Another enterprise's user cannot mark E01's notifications seen: the feed route is scoped by unit.
    r = e02.post("/api/v1/warnings/feed/seen", json={"ids": ids}, headers={"X-CSRF-Token": csrf(e02)})
    assert r.status_code == 200 and r.json == {"seen": 0}
    assert feed_sounds(banner(e01)[1]) == [sound]

    # "Seen" (what the banner's button posts) silences it and takes it off the banner, for E01's unit only.
    r = e01.post("/api/v1/warnings/feed/seen", json={"ids": ids}, headers={"X-CSRF-Token": csrf(e01)})
    assert r.status_code == 200 and r.json == {"seen": 1}
    text, audible = banner(e01)
    assert "banner-feed" not in text and not feed_sounds(audible)
    assert len(feed_sounds(banner(fs)[1])) == 1  # the district has not seen its own row yet


def test_a_viewer_reads_the_feed_without_sound_or_seen_button(env: Env) -> None:
    raise_e01_to_yellow(env)
    env.services.risk.workflow.apply_level("E01", "red", env.clock())  # red is pushed to the city as well
    text, audible = banner(env.client("viewer"))
    assert "【红色预警】" in text and "feed-seen" not in text and not feed_sounds(audible)
    text, audible = banner(env.client("city"))
    assert "feed-seen" in text and len(feed_sounds(audible)) == 1
