"""The review workflow through the real HTTP API (Flask test client on the HMI with the engineering
blueprint): an enterprise engineer's change waits for its district; a district's for a second district
engineer; nothing reaches the configuration otherwise; each step is limited to its role and audited;
a rollback restores the earlier limits and is itself reviewed and audited. On SQLite and PostgreSQL."""

from __future__ import annotations

from engineering_rig import Eng

from engineering.versions import Versions
from scada.config import load_plant
from scada.store import AuditLog
from tags import Quality, TagUpdate

TAG = "E01.T101.LT"
EDIT = [{"op": "point", "tag": TAG, "set": {"thresholds.high_high": 12.0, "thresholds.high": 11.0}}]


def hh(eng: Eng) -> float | None:
    return eng.sup.plant.point_by_tag[TAG].point.thresholds.high_high


def on_disk(eng: Eng) -> float | None:
    return load_plant(eng.config).point_by_tag[TAG].point.thresholds.high_high


def test_enterprise_change_waits_for_the_district_and_then_alarms_by_the_new_limit(eng_db: Eng) -> None:
    eng = eng_db
    e01, fs, fs2 = eng.client("eng-e01"), eng.client("eng-fs"), eng.client("eng-fs2")
    preview = e01.post("/api/v1/engineering/preview", json={"ops": EDIT}).get_json()
    assert preview["ok"] and "address_base: 0, overrides: {LT: {thresholds: {high: 11.0, high_high: 12.0}}}}" in preview["diff"], preview[
        "diff"
    ]
    assert e01.post("/api/v1/engineering/changes", json={"kind": "edit", "ops": EDIT, "reason": " "}).status_code == 422  # reason required
    r = e01.post("/api/v1/engineering/changes", json={"kind": "edit", "ops": EDIT, "reason": "新液位计标定"})
    assert r.status_code == 201, r.get_json()
    change = r.get_json()
    assert (change["status"], change["review_tier"], change["review_scope"]) == ("pending", "district", "FS")
    assert hh(eng) == 17.5 and on_disk(eng) == 17.5  # nothing applied yet

    # Each step belongs to its role: the submitter, another district, the city, a duty user cannot approve.
    assert e01.post(f"/api/v1/engineering/changes/{change['id']}/approve", json={}).status_code == 403
    assert eng.client("eng-dx").post(f"/api/v1/engineering/changes/{change['id']}/approve", json={}).status_code == 404
    assert eng.client("eng-city").post(f"/api/v1/engineering/changes/{change['id']}/approve", json={}).status_code == 403
    assert eng.client("duty-fs").post(f"/api/v1/engineering/changes/{change['id']}/approve", json={}).status_code == 403
    assert eng.client("admin").post("/api/v1/engineering/changes", json={"ops": EDIT, "reason": "x"}).status_code == 403
    assert hh(eng) == 17.5

    queue = fs.get("/api/v1/engineering/changes?status=pending").get_json()
    assert [c["id"] for c in queue if c["can_review"]] == [change["id"]]
    done = fs.post(f"/api/v1/engineering/changes/{change['id']}/approve", json={"note": "同意"}).get_json()
    assert done["status"] == "applied" and done["reviewer"] == "eng-fs"
    assert hh(eng) == 12.0 and on_disk(eng) == 12.0
    assert "# 燕山石化储运有限公司" in (eng.config / "enterprises" / "e01.yaml").read_text(encoding="utf-8")  # comments kept
    # The alarm engine uses the new limit: 12.5 m is high-high now (it was below the old high of 16.5).
    eng.sup.tags.update([TagUpdate(TAG, 12.5, Quality.GOOD, eng.clock())])
    eng.sup.alarms.process([eng.sup.tags.get(TAG)])
    eng.clock.t += 60
    eng.sup.alarms.tick(eng.clock())
    assert eng.sup.alarms.table.state(f"{TAG}:limit").level == "high_high"
    # Approving twice does nothing more.
    assert fs2.post(f"/api/v1/engineering/changes/{change['id']}/approve", json={}).status_code == 409

    # Rollback: restoring the first version is itself a change, reviewed by the district, and audited.
    first = Versions(eng.sup.engine).list()[-1]
    restore = {"kind": "restore", "ops": [{"op": "restore", "version": first.id}], "reason": "回退"}
    r = e01.post("/api/v1/engineering/changes", json=restore)
    assert r.status_code == 201, r.get_json()
    assert hh(eng) == 12.0
    assert fs.post(f"/api/v1/engineering/changes/{r.get_json()['id']}/reject", json={"note": ""}).status_code == 422  # a note is required
    assert fs.post(f"/api/v1/engineering/changes/{r.get_json()['id']}/approve", json={"note": "回退同意"}).status_code == 200
    assert hh(eng) == 17.5 and on_disk(eng) == 17.5
    versions = Versions(eng.sup.engine).list()
    assert len(versions) == 3 and versions[0].hash == first.hash
    actions = [
        (e.actor, e.action) for e in reversed(AuditLog(eng.sup.engine).recent(50)) if e.action.startswith(("engineering.", "config."))
    ]
    assert actions == [
        ("eng-e01", "engineering.submitted"),
        ("eng-e01", "config.applied"),
        ("eng-fs", "engineering.approved"),
        ("system", "engineering.applied"),
        ("eng-e01", "engineering.submitted"),
        ("eng-e01", "config.applied"),
        ("eng-fs", "engineering.approved"),
        ("system", "engineering.applied"),
    ]


def test_the_review_path_cannot_be_bypassed(eng: Eng) -> None:
    e01 = eng.client("eng-e01")
    other = [{"op": "point", "tag": "E03.H201.LT", "set": {"deadband": 0.2}}]
    assert e01.post("/api/v1/engineering/changes", json={"ops": other, "reason": "x"}).status_code == 403  # another enterprise
    assert e01.post("/api/v1/engineering/preview", json={"ops": other}).status_code == 403
    shared = [{"op": "alarms", "path": ["texts", "limit", "message"], "value": "{name} {level_zh} {value}{unit}"}]
    assert e01.post("/api/v1/engineering/changes", json={"ops": shared, "reason": "x"}).status_code == 403  # alarms.yaml: city only
    bad = [{"op": "point", "tag": TAG, "set": {"thresholds.high": 18.0}}]
    r = e01.post("/api/v1/engineering/changes", json={"ops": bad, "reason": "x"})
    assert r.status_code == 422 and any("high: 18.0 must be below high_high 17.5" in e for e in r.get_json()["errors"])
    assert e01.get("/api/v1/engineering/export?e=E03").status_code == 403
    # A district engineer's change needs a second engineer of the same district; the submitter cannot approve it.
    fs, fs2 = eng.client("eng-fs"), eng.client("eng-fs2")
    cid = fs.post("/api/v1/engineering/changes", json={"ops": EDIT, "reason": "区县调整"}).get_json()["id"]
    assert fs.post(f"/api/v1/engineering/changes/{cid}/approve", json={}).status_code == 403
    assert e01.post(f"/api/v1/engineering/changes/{cid}/approve", json={}).status_code == 403
    assert hh(eng) == 17.5
    assert fs2.post(f"/api/v1/engineering/changes/{cid}/reject", json={"note": "先做风险评估"}).get_json()["status"] == "rejected"
    assert hh(eng) == 17.5 and on_disk(eng) == 17.5
    # City-wide alarm text: a second city engineer approves.
    city, city2 = eng.client("eng-city"), eng.client("eng-city2")
    cid = city.post("/api/v1/engineering/changes", json={"ops": shared, "reason": "统一报警文本"}).get_json()["id"]
    assert city2.post(f"/api/v1/engineering/changes/{cid}/approve", json={"note": "ok"}).get_json()["status"] == "applied"
    assert eng.sup.alarms.config.texts["limit"].message == "{name} {level_zh} {value}{unit}"
    # No CSRF token, no change.
    raw = eng.hmi.server.test_client()
    assert raw.post("/api/v1/engineering/changes", json={"ops": EDIT, "reason": "x"}).status_code == 401
