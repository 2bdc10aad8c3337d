"""Import from a real OPC UA server (the simulator's) and load the result as configuration."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml
from rig import Rig

from scada.cli import main
from scada.config import load_plant


async def test_import_browses_variables_into_loadable_point_configuration(small_plant, tmp_path: Path) -> None:
    from scada.drivers.opcua_import import browse, render

    endpoint = next(d for d in small_plant.enterprises[0].devices if d.id == "UA1").endpoint
    async with Rig(small_plant):
        equipment = await browse(endpoint, "UA1")
    assert [(e["code"], [p["source"]["node"] for p in e["points"]]) for e in equipment] == [
        ("EQ3", ["ns=2;s=T01.EQ3.LT", "ns=2;s=T01.EQ3.TT"])
    ]
    # Put the imported equipment into an enterprise file: the tree must load as it is.
    tree = tmp_path / "tree"
    shutil.copytree(Path(small_plant.files[0]).parent, tree)
    ent_file = tree / "enterprises" / "t01.yaml"
    doc = yaml.safe_load(ent_file.read_text(encoding="utf-8"))
    imported = yaml.safe_load(render(equipment, endpoint))["equipment"]
    for eq in imported:
        eq["code"] = "IMP"
    doc["hazard_sources"][0]["equipment"] += imported
    for p in imported[0]["points"]:
        p["tag"] = "IMP-" + p["tag"]
    ent_file.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    plant = load_plant(tree)
    assert {"T01.IMP.LT", "T01.IMP.TT"} <= set(plant.point_by_tag)


def test_import_of_an_unreachable_server_is_a_clear_error(capsys) -> None:
    assert main(["import-opcua", "opc.tcp://127.0.0.1:1", "--device", "UA1", "--timeout", "2"]) == 1
    assert "cannot browse opc.tcp://127.0.0.1:1" in capsys.readouterr().err
