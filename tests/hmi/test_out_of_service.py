"""Points out of service (issue 9: an approved 停用报备 declaration) are marked on the screens and in the API.

The declaration reaches the alarm engine through ``AlarmEngine.set_out_of_service`` (as governance calls it);
the HMI reads the engine's set into its snapshot. Real components (``hmi_rig``): the mimic's live payload,
the faceplate, the alarm summary, the trends picker and legend and the REST API mark the point — in scope
only: another enterprise's out-of-service points are never revealed.
"""

from __future__ import annotations

import json
from typing import Any

from hmi_rig import Env, dash_post

OWN, FOREIGN = "E01.T101.LT", "E02.A101.LT"


def declare(env: Env, tag: str, key: str, on: bool = True) -> None:
    env.alarms.set_out_of_service([tag], key, on)
    env.services.live.refresh()


def callback(client: Any, output: str, inputs: dict[str, Any], state: dict[str, Any] | None = None) -> Any:
    """One Dash callback as the renderer sends it; returns the response's ``response`` part."""

    def props(values: dict[str, Any]) -> list[dict[str, Any]]:
        return [{"id": k.split(".")[0], "property": k.split(".")[1], "value": v} for k, v in values.items()]

    outputs = [{"id": o.rsplit(".", 1)[0], "property": o.rsplit(".", 1)[1]} for o in output.strip(".").split("...")]
    body = {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": props(inputs),
        "state": props(state or {}),
        "changedPropIds": [next(iter(inputs))],
    }
    r = dash_post(client, body)
    assert r.status_code in (200, 204), r.get_data(as_text=True)[:300]
    return r.json["response"] if r.status_code == 200 else {}


def live(client: Any, path: str, search: str) -> dict[str, Any]:
    out = callback(client, "live.data", {"tick.n_intervals": 1, "page-ready.data": 1.0}, {"url.pathname": path, "url.search": search})
    return out["live"]["data"]


def test_the_screens_and_the_api_mark_a_point_out_of_service(env: Env) -> None:
    alarm = env.raise_alarm(OWN)
    declare(env, OWN, "decl:7")
    e01 = env.client("e01")

    # Mimic: the point's value box (and level fill) carries the out-of-service class; its neighbours do not.
    values = live(e01, "/mimic", "?hs=E01-HS1")["v"]
    assert values[OWN][1].split() == ["q-good", "oos"]
    assert all("oos" not in v[1] for tag, v in values.items() if tag != OWN)
    faceplate = json.dumps(callback(e01, "faceplate.children", {"fp-tag.data": OWN}), ensure_ascii=False)
    assert "停用报备 decl:7" in faceplate and "oos" in faceplate

    # Overview and enterprise screens: counted per enterprise, per hazard source and per device.
    ref = env.services.plant.point_by_tag[OWN]
    marked = ["停用 1", "oos-count"]
    assert live(e01, "/", "")["k"]["ento-E01"] == marked
    keys = live(e01, "/enterprise", "?e=E01")["k"]
    assert keys[f"hso-{ref.hazard_source.code}"] == marked and keys[f"devo-{ref.device.id}"] == marked
    others = [k for k, v in keys.items() if k.startswith(("hso-", "devo-")) and v != marked]
    assert others and all(keys[k] == ["", "hidden"] for k in others)

    # Alarm summary: the alarm's state is out of service, with its declaration.
    rows = callback(e01, "al-table.data", {"tick.n_intervals": 1, "al-ent.value": None, "al-prio.value": None, "al-state.value": None})
    (row,) = [r for r in rows["al-table"]["data"] if r["id"] == alarm]
    assert row["state"] == "out_of_service · 停用报备 decl:7"

    # Trends: the picker and the legend.
    page = callback(e01, "..page.children...page-ready.data..", {"url.pathname": "/trends", "url.search": f"?tags={OWN}"})
    text = json.dumps(page["page"]["children"], ensure_ascii=False)
    assert f"{OWN} " in text and "· 停用" in text and f"{OWN} (停用)" in text

    # REST API: the value and the alarm.
    (value,) = e01.get(f"/api/v1/values?tags={OWN}").json
    assert value["out_of_service"] is True
    assert [v["tag"] for v in e01.get("/api/v1/values?enterprise=E01").json if v["out_of_service"]] == [OWN]
    (a,) = [a for a in e01.get("/api/v1/alarms").json if a["id"] == alarm]
    assert a["state"] == "out_of_service" and a["out_of_service"] == "decl:7"

    # Back in service: the marks go.
    declare(env, OWN, "decl:7", on=False)
    assert "oos" not in live(e01, "/mimic", "?hs=E01-HS1")["v"][OWN][1]
    assert live(e01, "/", "")["k"]["ento-E01"] == ["", "hidden"]
    assert e01.get(f"/api/v1/values?tags={OWN}").json[0]["out_of_service"] is False


def test_another_enterprises_points_out_of_service_are_not_revealed(env: Env) -> None:
    foreign_alarm = env.raise_alarm(FOREIGN)
    declare(env, FOREIGN, "decl:9")
    e01, fs = env.client("e01"), env.client("fs")  # fs: 房山, holding E01 and E02

    assert fs.get(f"/api/v1/values?tags={FOREIGN}").json[0]["out_of_service"] is True  # the control: it is marked
    assert e01.get(f"/api/v1/values?tags={FOREIGN}").status_code == 403
    assert not any(v["out_of_service"] for v in e01.get("/api/v1/values").json)
    assert foreign_alarm not in {a["id"] for a in e01.get("/api/v1/alarms").json}
    for path, search in (("/mimic", "?hs=E02-HS1"), ("/mimic", "?hs=E01-HS1"), ("/", ""), ("/enterprise", "?e=E01")):
        payload = json.dumps(live(e01, path, search), ensure_ascii=False)
        assert "E02" not in payload and "oos" not in payload, (path, payload[:300])
    assert callback(e01, "faceplate.children", {"fp-tag.data": FOREIGN})["faceplate"]["children"] is None
    rows = callback(e01, "al-table.data", {"tick.n_intervals": 1, "al-ent.value": None, "al-prio.value": None, "al-state.value": None})
    assert "E02" not in json.dumps(rows)
    trends = callback(e01, "..page.children...page-ready.data..", {"url.pathname": "/trends", "url.search": ""})
    assert "E02" not in json.dumps(trends, ensure_ascii=False) and "停用" not in json.dumps(trends, ensure_ascii=False)
