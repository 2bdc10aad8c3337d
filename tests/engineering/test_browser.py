"""Engineering end to end in a real headless Chromium against `scada simulate` + `scada run` (real processes).

An enterprise engineer of E01 lowers the high-high limit of a tank level below its current value on the
工程 page (with a reason, the diff shown before submitting); nothing changes until an engineer of the
enterprise's district (房山区 FS) approves it on the same page; then the mimic's faceplate and vessel
marks show the new limit, the running alarm engine raises the high-high alarm by it, and the YAML file of
the system's configuration holds it. The edit form, the review queue and the mimic are saved to
tests-output/screenshots/ for review.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hmi_browser import available, chromium, css, screenshot, sign_in, wait
from hmi_system import System, start_system, stop
from services import service_missing

from hmi.passwords import generate_password
from hmi.users import UserStore
from scada.config import load_plant
from scada.store import connect

TAG = "E01.T101.LT"  # 1号储罐 液位, range 0–20 m; the simulator keeps it between 3.5 and 14.2 m
NEW_HIGH, NEW_HIGH_HIGH = 2.8, 3.2  # below every value the tank takes: the high-high alarm must fire by the new limit
ENGINEERS = {"eng-e01": ("enterprise", "E01"), "eng-fs": ("district", "FS")}  # E01 is in district FS (enterprises/e01.yaml)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[System]:
    sys_ = start_system(tmp_path_factory.mktemp("engineering-system"))
    try:
        # After the start: the server creates the demo users only into an empty user table.
        engine = connect(f"sqlite:///{sys_.root / 'data' / 'scada.db'}")
        try:
            users = UserStore(engine)
            for name, (tier, code) in ENGINEERS.items():
                sys_.users[name] = password = generate_password()
                users.create(name, password, "engineer", tier, code)
        finally:
            engine.dispose()
        yield sys_
    finally:
        for p in reversed(sys_.procs):
            stop(p)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    if not available():
        service_missing("chromium and chromium-driver (scripts/setup --dev installs them)")
    driver = chromium(tmp_path_factory.mktemp("downloads"))
    try:
        yield driver
    finally:
        driver.quit()


def open_engineering(driver, system: System) -> None:  # type: ignore[no-untyped-def]
    driver.get(f"{system.url}/engineering/")
    wait(lambda: css(driver, "#points tr.pt"), what="the plant model on the engineering page")


def field(driver, name: str):  # type: ignore[no-untyped-def]
    return css(driver, f'[id="f-{name}"]')[0]


def type_into(element, text: str) -> None:  # type: ignore[no-untyped-def]
    element.clear()
    element.send_keys(text)


def limit_alarm(system: System) -> dict | None:
    alarms = system.api("e01-operator").get(f"{system.url}/api/v1/alarms", timeout=10).json()
    return next((a for a in alarms if a["id"] == f"{TAG}:limit"), None)


def on_disk(system: System) -> tuple[float | None, float | None]:
    th = load_plant(system.root / "config").point_by_tag[TAG].point.thresholds
    return th.high, th.high_high


def test_enterprise_engineer_edits_high_high_district_approves_mimic_and_alarms_follow(system: System, browser) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import Select

    (value,) = system.api("e01-operator").get(f"{system.url}/api/v1/values", params={"tags": TAG}, timeout=10).json()
    assert value["value"] > NEW_HIGH_HIGH + 0.2, value  # the new limit is below the current level
    assert on_disk(system) == (16.5, 17.5)
    assert limit_alarm(system) is None

    # The enterprise engineer edits the point on the 工程 page: validated as typed, the diff shown, a reason required.
    sign_in(browser, system, "eng-e01")
    open_engineering(browser, system)
    assert "eng-e01 · enterprise:E01" in css(browser, "#who")[0].text
    Select(css(browser, "#ent")[0]).select_by_value("E01")
    Select(css(browser, "#hs")[0]).select_by_value("E01-HS1")
    Select(css(browser, "#eq")[0]).select_by_value("T101")
    row = wait(lambda: css(browser, f'#points tr.pt[data-tag="{TAG}"]'), what=f"the row of {TAG}")[0]
    assert "17.5" in row.text
    row.click()
    wait(lambda: css(browser, "#edit-tag")[0].text == TAG, what="the point editor")
    assert field(browser, "thresholds.high_high").get_attribute("value") == "17.5"
    type_into(field(browser, "thresholds.high_high"), str(NEW_HIGH_HIGH))
    wait(lambda: "must be below high_high" in css(browser, "#errors")[0].text, what="the high-above-high-high error as typed")
    assert not css(browser, "#submit")[0].is_enabled()
    type_into(field(browser, "thresholds.high"), str(NEW_HIGH))
    wait(
        lambda: f"high: {NEW_HIGH}" in css(browser, "#diff")[0].text and not css(browser, "#errors")[0].text,
        what="the diff of a valid edit",
    )
    assert f"high_high: {NEW_HIGH_HIGH}" in css(browser, "#diff")[0].text
    assert not css(browser, "#submit")[0].is_enabled()  # no reason yet
    css(browser, "#reason")[0].send_keys("液位计重新标定, 高高报限值下调")
    wait(lambda: css(browser, "#submit")[0].is_enabled(), what="the submit button")
    screenshot(browser, "engineering-01-edit-form")
    css(browser, "#submit")[0].click()
    submitted = wait(lambda: css(browser, "#submitted"), what="the submitted change")[0].text
    assert "district:FS" in submitted, submitted
    change_id = int(submitted.split("change ")[1].split()[0])
    wait(lambda: css(browser, f"#mine #change-{change_id}"), what="the change under 我的变更")
    assert "pending" in css(browser, f"#mine #change-{change_id}")[0].text
    assert not css(browser, f"#approve-{change_id}")  # the submitter does not review their own change
    assert on_disk(system) == (16.5, 17.5)  # nothing applied before the review

    # The district engineer reviews it in the queue and approves it.
    sign_in(browser, system, "eng-fs")
    open_engineering(browser, system)
    item = wait(lambda: css(browser, f"#queue #change-{change_id}"), what="the change in the review queue")[0]
    assert "eng-e01 → district:FS" in item.text and "液位计重新标定" in item.text
    assert f"high_high: {NEW_HIGH_HIGH}" in item.text  # the reviewer sees the diff
    css(browser, f"#note-{change_id}")[0].send_keys("同意, 已核对标定记录")
    screenshot(browser, "engineering-02-review-queue")
    css(browser, f"#approve-{change_id}")[0].click()
    applied = f"#mine #change-{change_id}"  # once applied it leaves the queue for 我的变更 with its status
    done = wait(lambda: [e for e in css(browser, applied) if "applied" in e.text], timeout=60, what="the applied change")
    assert "eng-fs" in done[0].text and "同意, 已核对标定记录" in done[0].text
    assert not css(browser, f"#queue #change-{change_id}")

    # (c) The system's configuration copy holds the new limits, its comments kept.
    assert on_disk(system) == (NEW_HIGH, NEW_HIGH_HIGH)
    text = (system.root / "config" / "enterprises" / "e01.yaml").read_text(encoding="utf-8")
    assert f"high_high: {NEW_HIGH_HIGH}" in text
    assert "# 燕山石化储运有限公司" in text

    # (b) The running alarm engine alarms by the new limit (on-delay 5 s).
    alarm = wait(
        lambda: (a := limit_alarm(system)) and a["level"] == "high_high" and a,
        timeout=45,
        what="the high-high alarm by the new limit",
    )
    assert f"(限值 {NEW_HIGH_HIGH:g} m)" in alarm["message"], alarm

    # (a) The mimic shows the new limit: the vessel's HH mark and the faceplate.
    sign_in(browser, system, "eng-e01")
    browser.get(f"{system.url}/mimic?hs=E01-HS1")
    wait(lambda: css(browser, f'.pv[data-tag="{TAG}"]')[0].text.endswith(" m"), what="a live level on the mimic")
    mark = browser.execute_script(
        "return document.querySelector(arguments[0]).parentElement.querySelector('.m-high_high').style.bottom;",
        f'.lvl[data-tag="{TAG}"]',
    )
    assert float(mark.removesuffix("%")) == pytest.approx(NEW_HIGH_HIGH / 20 * 100), mark  # was 87.5 % (17.5 of 20 m)
    css(browser, f'[data-point="{TAG}"]')[0].click()
    body = wait(lambda: css(browser, "#faceplate-body"), what="the faceplate")[0]
    wait(lambda: f"HH {NEW_HIGH_HIGH}" in body.text, what="the new high-high limit on the faceplate")
    assert f"H {NEW_HIGH}" in body.text and "HH 17.5" not in body.text
    assert f"限值 {NEW_HIGH_HIGH:g} m" in body.text  # the active alarm, listed on the faceplate
    screenshot(browser, "engineering-03-mimic-after-change")
