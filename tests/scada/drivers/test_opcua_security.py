"""User/password from configuration, against a real asyncua server that requires them."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from asyncua import Server, ua
from asyncua.crypto.permission_rules import User, UserRole
from asyncua.server.user_managers import UserManager
from rig import free_port, wait_for

from scada.config import Plant, load_plant
from scada.drivers.acquisition import Acquisition, health_tags
from scada.drivers.opcua import security_string
from tags import Quality, TagBus, TagStore


class _Users(UserManager):
    def get_user(self, iserver, username=None, password=None, certificate=None):
        return User(role=UserRole.User, name=username) if (username, password) == ("scada", "Pa55-word!") else None


def _plant(tmp_path: Path, port: int) -> Plant:
    (tmp_path / "enterprises").mkdir()
    (tmp_path / "site.yaml").write_text(
        "city: {code: BJ, name: 北京市}\ndistricts: [{code: FS, name: 房山区}]\nscan_classes: {fast: {period_s: 0.2}}\n", encoding="utf-8"
    )
    (tmp_path / "enterprises" / "s.yaml").write_text(
        f"""
enterprise: {{code: S1, name: 安全测试, address: -, principal: {{name: -}}, district: FS, gateway: {{id: GW-S1}}}}
devices:
  - {{id: UA1, protocol: opcua, endpoint: "opc.tcp://127.0.0.1:{port}", timeout_s: 2,
     security: {{username: scada, password_env: S1_UA_PASSWORD}}}}
hazard_sources:
  - code: S1-HS1
    name: 罐区
    kind: tank_farm
    people_within_500m: 0
    chemicals: [{{name: 甲醇, max_quantity_t: 600, hazard_class: W5.3}}]
    equipment:
      - code: T1
        name: 罐
        kind: tank
        device: UA1
        points:
          - {{key: LT, name: 液位, tag: LT-1, kind: level, unit: m, range: [0, 20], scan_class: fast, source: {{node: "ns=2;s=S1.T1.LT"}}}}
""",
        encoding="utf-8",
    )
    return load_plant(tmp_path)


async def _run(plant: Plant, monkeypatch: pytest.MonkeyPatch, password: str) -> TagStore:
    monkeypatch.setenv("S1_UA_PASSWORD", password)
    store = TagStore(TagBus())
    store.define([p.tag for p in plant.points] + health_tags(plant))
    acquisition = Acquisition(plant, store.update)
    acquisition.start()
    try:
        await wait_for(lambda: store.get("S1._device.UA1.online").value is not None, what="a connection outcome")
        await asyncio.sleep(0.3)
    finally:
        await acquisition.stop()
    return store


async def test_username_and_password_from_the_environment(tmp_path, monkeypatch) -> None:
    port = free_port()
    plant = _plant(tmp_path, port)
    server = Server(user_manager=_Users())
    await server.init()
    server.set_endpoint(f"opc.tcp://127.0.0.1:{port}")
    server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
    server.set_security_IDs(["Username"])
    idx = await server.register_namespace("urn:test")
    obj = await server.nodes.objects.add_object(ua.NodeId("S1.T1", idx), "T1")
    await obj.add_variable(ua.NodeId("S1.T1.LT", idx), "LT", 7.5)
    async with server:
        good = await _run(plant, monkeypatch, "Pa55-word!")
        assert good.get("S1.T1.LT").value == 7.5 and good.get("S1.T1.LT").quality == Quality.GOOD
        bad = await _run(plant, monkeypatch, "wrong")
        assert bad.get("S1._device.UA1.online").value is False
        assert bad.get("S1.T1.LT").quality == Quality.BAD_NO_COMMUNICATION


def test_security_string_from_configuration(tmp_path) -> None:
    plant = _plant(tmp_path, 4840)
    device = plant.enterprises[0].devices[0]
    assert security_string(device) is None  # mode None: no certificate handshake
    secured = device.model_copy(
        update={
            "security": device.security.model_copy(
                update={"mode": "SignAndEncrypt", "policy": "Basic256Sha256", "certificate": "c.der", "private_key": "k.pem"}
            )
        }
    )
    assert security_string(secured) == "Basic256Sha256,SignAndEncrypt,c.der,k.pem"
