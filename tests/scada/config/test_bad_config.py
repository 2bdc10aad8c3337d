"""Each broken tree under tests/fixtures/bad-config/<case>/ (overlaid on base/) yields exactly expected.txt."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from scada.cli import main
from scada.config import ConfigError, load_plant

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "bad-config"
CASES = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name != "base")


def build_tree(case: str, into: Path) -> Path:
    tree = into / "tree"
    shutil.copytree(FIXTURES / "base", tree)
    shutil.copytree(FIXTURES / case, tree, dirs_exist_ok=True, ignore=shutil.ignore_patterns("expected.txt"))
    return tree


def test_base_tree_is_valid() -> None:
    plant = load_plant(FIXTURES / "base")
    assert [p.tag for p in plant.points] == ["E01.T101.LT", "E01.T101.GT", "E01.T102.LT", "E01.T102.GT"]


@pytest.mark.parametrize("case", CASES)
def test_broken_tree_reports_every_error_with_file_and_line(case: str, tmp_path: Path, monkeypatch, capsys) -> None:
    tree = build_tree(case, tmp_path)
    monkeypatch.chdir(tree)
    assert main(["check-config", "."]) == 1
    out, err = capsys.readouterr()
    expected = (FIXTURES / case / "expected.txt").read_text(encoding="utf-8")
    assert out == expected
    assert "nothing was loaded" in err


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 9


def test_a_broken_tree_never_half_loads(tmp_path: Path) -> None:
    tree = build_tree("threshold-order", tmp_path)
    with pytest.raises(ConfigError) as info:
        load_plant(tree)
    assert len(info.value.issues) == 1  # the valid enterprise e01 is not returned on its own


def test_missing_folder_and_site_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="1 configuration error") as info:
        load_plant(tmp_path / "nope")
    assert "configuration folder not found" in info.value.report()
    with pytest.raises(ConfigError) as info:
        load_plant(tmp_path)
    assert "every configuration tree needs site.yaml" in info.value.report()
