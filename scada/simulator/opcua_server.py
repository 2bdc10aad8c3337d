"""An OPC UA server (asyncua) serving simulated points as variables ``ns=2;s=<node id>``.

Variables are created under one object per equipment: asyncua builds a flat object with thousands
of children very slowly (~141 s for 10,000 measured here, ~5 s spread over 100 objects).
A point can be given a bad StatusCode (fault ``bad_status``); the whole server can be stopped and
started again (a server restart that clients must survive).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from asyncua import Server, ua

NAMESPACE_URI = "urn:scada-hazchem:simulator"
BAD_STATUS = ua.StatusCode(ua.StatusCodes.BadSensorFailure)
GOOD_STATUS = ua.StatusCode(ua.StatusCodes.Good)

for _name in ("asyncua.server", "asyncua.uaprotocol", "asyncua.common"):
    logging.getLogger(_name).setLevel(logging.WARNING)  # asyncua's INFO lines are per request


class OpcUaSimServer:
    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._objects: dict[str, list[tuple[str, str, float | bool]]] = {}  # object id → [(node id, name, initial)]
        self._server: Server | None = None
        self._nodes: dict[str, ua.NodeId] = {}
        self.writes = 0

    def add_variable(self, object_id: str, node_id: str, name: str, initial: float | bool) -> None:
        """Declare a variable (before ``start``); ``node_id`` is the string part of ``ns=2;s=…``."""
        self._objects.setdefault(object_id, []).append((node_id, name, initial))

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        if self._server is not None:
            return
        server = Server()
        await server.init()
        server.set_endpoint(self.endpoint)
        server.set_security_policy([ua.SecurityPolicyType.NoSecurity])
        idx = await server.register_namespace(NAMESPACE_URI)
        for object_id, variables in self._objects.items():
            obj = await server.nodes.objects.add_object(ua.NodeId(object_id, idx), object_id.rsplit(".", 1)[-1])
            for node_id, name, initial in variables:
                var = await obj.add_variable(ua.NodeId(node_id, idx), name, initial)
                self._nodes[node_id] = var.nodeid
        await server.start()
        self._server = server

    async def write(self, node_id: str, value: float | bool, bad: bool = False) -> None:
        if self._server is None:
            return
        variant = (
            ua.Variant(bool(value), ua.VariantType.Boolean) if isinstance(value, bool) else ua.Variant(float(value), ua.VariantType.Double)
        )
        data = ua.DataValue(variant, StatusCode=BAD_STATUS if bad else GOOD_STATUS, SourceTimestamp=datetime.now(UTC))
        await self._server.write_attribute_value(self._nodes[node_id], data)
        self.writes += 1

    async def stop(self) -> None:
        if self._server is not None:
            server, self._server = self._server, None
            await server.stop()
