"""Documentation that cannot rot: every setting and every command is documented."""

from __future__ import annotations

from pathlib import Path

from scada.cli import build_parser
from scada.settings import SETTINGS

ROOT = Path(__file__).resolve().parents[2]


def commands() -> list[str]:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    return list(sub.choices)


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"| `{setting.name}` |" in text, f"setting {setting.name} is missing from docs/configuration.md"


def test_every_command_is_documented_and_has_help(capsys) -> None:
    text = (ROOT / "docs" / "operation.md").read_text(encoding="utf-8")
    names = commands()
    assert {"check-config", "grade", "run", "db", "settings"} <= set(names)
    for name in names:
        assert f"`scada {name}" in text, f"command {name} is missing from docs/operation.md"
        parser = build_parser()
        try:
            parser.parse_args([name, "--help"])
        except SystemExit as exit_:
            assert exit_.code == 0
        assert capsys.readouterr().out.startswith(f"usage: scada {name}")


def test_readme_gives_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "scripts/run-demo" in readme and "scripts/test" in readme
    assert "scripts/test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
