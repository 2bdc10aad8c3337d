"""alarms.yaml: errors name file, line and field; the demo file is valid; check-config validates it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rules.config import AlarmConfig, load_alarm_config
from rules.events import AlarmDef
from rules.table import AlarmTable
from scada.cli import main
from scada.config import ConfigError

CONFIG = Path(__file__).resolve().parents[2] / "config"


def test_errors_are_located(tmp_path, demo_plant) -> None:
    (tmp_path / "alarms.yaml").write_text(
        "priorities:\n"
        "  - {name: critical, colour: red}\n"
        "  - {name: high, colour: orange}\n"
        "bad_pv: {priority: urgent}\n"
        "rate:\n"
        "  - {points: ['X.*'], rise_per_min: 1}\n"
        "texts:\n"
        "  limit: {message: '{name} {nonsense}'}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_alarm_config(tmp_path, demo_plant)
    report = err.value.report()
    assert "alarms.yaml:4 bad_pv.priority: unknown priority 'urgent' (priorities: critical, high)" in report
    assert "alarms.yaml:6 rate[0].points: matches no point of the plant" in report
    assert "alarms.yaml:8 texts.limit.message: bad placeholder 'nonsense'" in report
    (tmp_path / "alarms.yaml").write_text("compound:\n  - {id: a, name: a, priority: high, all: [{kind: limit}, {kind: smell}]}\n")
    with pytest.raises(ConfigError) as err:
        load_alarm_config(tmp_path, demo_plant)
    assert "alarms.yaml:2 compound[0].all[1].kind: Input should be" in err.value.report()


def test_demo_alarms_yaml_is_valid_and_check_config_reads_it(tmp_path, demo_plant, capsys) -> None:
    cfg = load_alarm_config(CONFIG, demo_plant)
    assert cfg.note_required("critical") and cfg.note_required("high") and not cfg.note_required("medium")
    tree = tmp_path / "config"
    shutil.copytree(CONFIG, tree)
    (tree / "alarms.yaml").write_text("latch_priorities: [nope]\n", encoding="utf-8")
    assert main(["check-config", str(tree)]) == 1
    assert "latch_priorities[0]: unknown priority 'nope'" in capsys.readouterr().out


def test_missed_alarm_when_the_gateway_did_not_report() -> None:
    table = AlarmTable(AlarmConfig())
    table.gateway_points = {"E01.A.LT", "E01.B.LT"}
    for tag in ("E01.A.LT", "E01.B.LT"):
        table.condition(AlarmDef(f"{tag}:limit", tag, "limit", "E01"), "high", 0.0, 9.0, 8.0)
    table.gateway_status("E01.B.LT", True)  # the gateway saw B's alarm, not A's
    table.outbox.clear()
    table.tick(59.0)
    assert table.outbox == []
    table.tick(60.0)  # grace 60 s
    (missed,) = table.outbox
    assert (missed.alarm_id, missed.transition, missed.record.missed) == ("E01.A.LT:limit", "missed", True)


def test_each_unreported_alarm_is_flagged_missed_once_at_its_own_grace() -> None:
    table = AlarmTable(AlarmConfig())
    tags = [f"E01.U{i}.LT" for i in range(4)]
    table.gateway_points = set(tags)
    defs = {tag: AlarmDef(f"{tag}:limit", tag, "limit", "E01") for tag in tags}
    for i, tag in enumerate(tags):  # opened at 0, 10, 20, 30 s
        table.condition(defs[tag], "high", 10.0 * i, 9.0, 8.0)
    table.condition(defs[tags[1]], None, 15.0, 5.0)  # U1 returns to normal before its grace
    table.gateway_status(tags[2], True)  # the gateway reports U2 in time
    table.outbox.clear()

    def missed_at(now: float) -> list[str]:
        table.tick(now)
        found = [e.alarm_id for e in table.outbox if e.transition == "missed"]
        table.outbox.clear()
        return found

    assert missed_at(59.9) == []
    assert missed_at(60.0) == ["E01.U0.LT:limit"]
    assert missed_at(85.0) == []  # U1 closed, U2 reported
    assert missed_at(90.0) == ["E01.U3.LT:limit"]
    assert missed_at(500.0) == []  # never twice
    assert table.records["E01.U3.LT:limit"].missed and not table.records["E01.U2.LT:limit"].missed
