"""``scada risk``, ``scada warnings`` and risk.yaml in ``scada check-config``, run in-process on a real store."""

from __future__ import annotations

import shutil
import time

from alarm_rig import Clock
from risk_rig import ROOT, make_service

from scada.cli import main


def test_risk_and_warnings_commands(demo_plant, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    opts = ["--config-dir", str(ROOT / "config"), "--data-dir", str(tmp_path)]
    assert main(["risk", "evaluate", "E03", *opts]) == 0
    out = capsys.readouterr().out
    assert out.startswith("E03    blue") and "inherent 二级" in out and "cell ['二级', 1]" in out
    svc = make_service(demo_plant, f"sqlite:///{tmp_path / 'scada.db'}", Clock(time.time()))
    (wid,) = svc.workflow.apply_level("E01", "red", svc.clock())
    svc.evaluate()
    svc.engine.dispose()

    assert main(["risk", "show", "E01", *opts]) == 0
    assert "#1 " in capsys.readouterr().out
    assert main(["warnings", "list", "--scope", "district:FS", *opts]) == 0
    assert f"#{wid}" in capsys.readouterr().out
    assert main(["warnings", "list", "--scope", "district:DX", *opts]) == 0
    assert capsys.readouterr().out == ""
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(b"\xff\xd8")
    assert main(["warnings", "feedback", str(wid), "--text", "核实中", *opts]) == 1  # the city cannot report for the enterprise
    assert "only the enterprise" in capsys.readouterr().err
    args = ["warnings", "feedback", str(wid), "--scope", "enterprise:E01", "--by", "张建国", "--text", "压力表故障", "--attach", str(photo)]
    assert main([*args, *opts]) == 0
    assert "filed feedback #1" in capsys.readouterr().out
    assert main(["warnings", "show", str(wid), "--json", *opts]) == 0
    shown = capsys.readouterr().out
    assert '"reported_to": [\n        "city:BJ",\n        "district:FS"\n      ]' in shown and '"name": "现场.jpg"' in shown
    assert main(["warnings", "tasks", "--scope", "park:YS", *opts]) == 0
    assert "onsite_verify" in capsys.readouterr().out
    assert main(["warnings", "notices", *opts]) == 0
    assert capsys.readouterr().out == ""  # no deadline missed yet


def test_check_config_reports_risk_yaml_errors(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "config"
    shutil.copytree(ROOT / "config", config)
    path = config / "risk.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("deadline_s: 3600", "deadline_s: soon"), encoding="utf-8")
    assert main(["check-config", str(config)]) == 1
    line = next(i for i, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "deadline_s: soon" in text)
    assert f"risk.yaml:{line} workflow.red.deadline_s:" in capsys.readouterr().out
