"""The gateway's HTTP push client: one batch per POST, the central's answer is the acknowledgement."""

from __future__ import annotations

import requests

from edge.config import HttpPush

PATH = "/api/v1/edge/batches"


class HttpPusher:
    def __init__(self, config: HttpPush) -> None:
        self.config = config
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {config.token()}"
        self.session.headers["Content-Type"] = "application/octet-stream"

    def push(self, message: bytes) -> int:
        """POST one batch; the highest contiguous seq the central has stored. Raises OSError (requests') on failure."""
        assert self.config.url
        response = self.session.post(self.config.url.rstrip("/") + PATH, data=message, timeout=self.config.timeout_s)
        response.raise_for_status()
        return int(response.json()["acked"])

    def close(self) -> None:
        self.session.close()
