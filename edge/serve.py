"""Edge ingest inside ``scada run`` (``source = mqtt``): broker consumer, HTTP push, gateway cross-check wiring."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from edge.central import EdgeIngest
from edge.config import load_uplink_config
from edge.crosscheck import wire_gateway_status
from edge.http_ingest import PushServer, create_app
from edge.tokens import GatewayTokens

log = logging.getLogger(__name__)

# What a worker's historian still records from the tag bus: its own status tags and the gateway
# link states it derives; every value from the gateways is stored by the ingest itself (then acked).
LOCAL_TAGS = ("_system.*", "*._gateway.online")


class EdgeService:
    def __init__(self, sup: Any) -> None:
        self.sup = sup
        settings = sup.settings
        self.config = load_uplink_config(settings.config_dir)
        sup.tags.define(wire_gateway_status(sup.alarms))
        assert sup.historian is not None, "start the historian first"
        self.ingest = EdgeIngest(
            sup.plant,
            self.config,
            sup.tags,
            sup.historian,
            settings.worker_id,
            sup.audit,
            sup.clock,
            sup.alarms.config.gateway_status.suffix,
            sup.alarms.hand_over,
        )
        self.http: PushServer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self.ingest.run(), name="edge-ingest")
        settings = self.sup.settings
        if settings.edge_http_port:
            app = create_app(self.ingest, GatewayTokens(self.sup.engine, self.sup.clock), asyncio.get_running_loop())
            try:
                self.http = PushServer(app, settings.edge_http_host, settings.edge_http_port)
            except OSError as exc:
                log.error("HTTP push cannot listen on %s:%s (%s)", settings.edge_http_host, settings.edge_http_port, exc.strerror)
                return
            self.http.start()
            log.info("HTTP push listening", extra={"ctx": {"port": self.http.port}})

    async def stop(self) -> None:
        loop = asyncio.get_running_loop()
        if self.http is not None:
            await loop.run_in_executor(None, self.http.stop)
        self.ingest.stop()
        if self._task is not None:
            await asyncio.gather(self._task, return_exceptions=True)
