"""The MQTT topic layout (documented in docs/configuration.md, "Topic layout").

``{prefix}/{district}/{enterprise}/data``   batches from the gateway (QoS 1), in sequence order
``{prefix}/{district}/{enterprise}/status`` retained ``1`` while the gateway is connected, ``0`` (its last will) after
``{prefix}/_ack/{enterprise}``              the central's end-to-end acknowledgement (highest contiguous seq stored)
``{prefix}/_workers/{worker}``              retained while a central worker lives (its last will clears it)
``{prefix}/_stats/{worker}``                a worker's ingest statistics (latency, counts), every ``announce_every_s``

A gateway's broker user is its enterprise code, so a Mosquitto ACL with ``%u`` patterns lets it
write only its own data/status topics and read only its own acknowledgements.
"""

from __future__ import annotations


def data(prefix: str, district: str, enterprise: str) -> str:
    return f"{prefix}/{district}/{enterprise}/data"


def status(prefix: str, district: str, enterprise: str) -> str:
    return f"{prefix}/{district}/{enterprise}/status"


def ack(prefix: str, enterprise: str) -> str:
    return f"{prefix}/_ack/{enterprise}"


def worker(prefix: str, worker_id: str) -> str:
    return f"{prefix}/_workers/{worker_id}"


def stats(prefix: str, worker_id: str) -> str:
    return f"{prefix}/_stats/{worker_id}"


def enterprise_of(topic: str) -> str:
    """The enterprise of a data or status topic."""
    return topic.rsplit("/", 2)[-2]


def acl(prefix: str = "scada/v1", worker_user: str = "worker") -> str:
    """A Mosquitto ACL file: gateways (user = enterprise code) confined to their enterprise, workers read and write all."""
    return (
        f"user {worker_user}\ntopic readwrite {prefix}/#\n\n"
        f"pattern write {prefix}/+/%u/data\npattern write {prefix}/+/%u/status\npattern read {prefix}/_ack/%u\n"
    )
