"""How the InfluxDB backend reaches a server: 1.x over its HTTP API, 2.x/3.x through ``influxdb-client``.

Both speak line protocol for writes and InfluxQL for queries (2.x/3.x answer InfluxQL on their
v1-compatible ``/query`` endpoint through database/retention-policy mappings, which setup creates).
A transport maps the historian's tiers (raw, 1m, 1h) to where the data lives and raises
``HistorianUnavailable`` for anything that a retry may cure (connection refused, timeout, 5xx).
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import Any

import requests

from historian.config import HistorianConfig, Influx1Options, Influx2Options
from historian.errors import HistorianError, HistorianUnavailable

# Retention policy (1.x) or bucket suffix (2.x) per tier.
TIER_RP = {"raw": "raw", "1m": "m1", "1h": "h1"}
DAY_S = 86_400


class InfluxTransport(ABC):
    database: str

    def __init__(self, url: str, timeout_s: float) -> None:
        self.url = url.rstrip("/")
        self.timeout_s = timeout_s
        self._local = threading.local()  # a requests.Session is not thread-safe: one per thread
        self._sessions: list[requests.Session] = []

    @property
    def session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
            self._sessions.append(session)
        return session

    @abstractmethod
    def setup(self, config: HistorianConfig) -> None:
        """Create the database/buckets and the retention of each tier (idempotent)."""

    @abstractmethod
    def write(self, body: bytes, tier: str) -> None: ...

    def _auth(self) -> dict[str, Any]:
        return {}

    def _post(self, path: str, params: dict[str, str], data: bytes | None = None, stream: bool = False) -> requests.Response:
        try:
            response = self.session.post(
                f"{self.url}{path}", params=params, data=data, timeout=self.timeout_s, stream=stream, **self._auth()
            )
        except requests.RequestException as exc:
            raise HistorianUnavailable(f"InfluxDB at {self.url}: {exc.__class__.__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (404, 429):  # 404: database not there (yet)
            raise HistorianUnavailable(f"InfluxDB at {self.url}: HTTP {response.status_code} {response.text[:200]}")
        if response.status_code >= 400:
            raise HistorianError(f"InfluxDB at {self.url} refused {path}: HTTP {response.status_code} {response.text[:300]}")
        return response

    def query(self, influxql: str) -> Iterator[dict[str, Any]]:
        """Series of the statement's result, streamed chunk by chunk (``chunked=true``); times in µs."""
        params = {"db": self.database, "q": influxql, "epoch": "u", "chunked": "true", "chunk_size": "10000"}
        response = self._post("/query", params, stream=True)
        try:
            for line in response.iter_lines(chunk_size=1 << 16):  # the default 512 B makes long lines quadratic
                if not line:
                    continue
                for result in json.loads(line).get("results", []):
                    if "error" in result:
                        raise HistorianError(f"InfluxDB query failed: {result['error']} — {influxql[:200]}")
                    yield from result.get("series", [])
        except requests.RequestException as exc:
            raise HistorianUnavailable(f"InfluxDB at {self.url}: {exc}") from exc
        finally:
            response.close()

    def source(self, tier: str, measurement: str) -> str:
        return f'"{self.database}"."{TIER_RP[tier]}"."{measurement}"'

    def close(self) -> None:
        for session in self._sessions:
            session.close()


class Influx1Transport(InfluxTransport):
    def __init__(self, options: Influx1Options) -> None:
        super().__init__(options.url, options.timeout_s)
        self.database = options.database
        self.credentials = (options.username, options.password() or "") if options.username else None

    def _auth(self) -> dict[str, Any]:
        return {"auth": self.credentials} if self.credentials else {}

    def _statement(self, influxql: str) -> None:
        for _ in self.query(influxql):
            pass

    def setup(self, config: HistorianConfig) -> None:
        self._statement(f'CREATE DATABASE "{self.database}"')
        existing: set[str] = set()
        for series in self.query(f'SHOW RETENTION POLICIES ON "{self.database}"'):
            existing |= {row[0] for row in series.get("values", [])}
        for tier, days in config.retention.days.items():
            rp, verb = TIER_RP[tier], "ALTER" if TIER_RP[tier] in existing else "CREATE"
            default = " DEFAULT" if tier == "raw" else ""
            replication = "" if verb == "ALTER" else " REPLICATION 1"
            self._statement(f'{verb} RETENTION POLICY "{rp}" ON "{self.database}" DURATION {round(days * 24)}h{replication}{default}')

    def write(self, body: bytes, tier: str) -> None:
        self._post("/write", {"db": self.database, "rp": TIER_RP[tier], "precision": "u"}, data=body)


class Influx2Transport(InfluxTransport):
    """InfluxDB 2.x/3.x: buckets ``<bucket>``, ``<bucket>_m1``, ``<bucket>_h1`` mapped to database ``<bucket>``."""

    def __init__(self, options: Influx2Options) -> None:
        super().__init__(options.url, options.timeout_s)
        from influxdb_client import InfluxDBClient

        self.options = options
        self.database = options.bucket
        self.client = InfluxDBClient(url=options.url, token=options.token(), org=options.org, timeout=round(options.timeout_s * 1000))

    def _auth(self) -> dict[str, Any]:
        return {"headers": {"Authorization": f"Token {self.options.token()}"}}

    def bucket(self, tier: str) -> str:
        return self.options.bucket if tier == "raw" else f"{self.options.bucket}_{TIER_RP[tier]}"

    def setup(self, config: HistorianConfig) -> None:
        from influxdb_client import BucketRetentionRules
        from influxdb_client.domain.dbrp_create import DBRPCreate
        from influxdb_client.service.dbr_ps_service import DBRPsService

        buckets = self.client.buckets_api()
        org_id = self.client.organizations_api().find_organizations(org=self.options.org)[0].id
        dbrps = DBRPsService(self.client.api_client)
        known = {(d.database, d.retention_policy) for d in dbrps.get_dbr_ps(org_id=org_id).content or []}
        for tier, days in config.retention.days.items():
            name = self.bucket(tier)
            rules = BucketRetentionRules(type="expire", every_seconds=round(days * DAY_S))
            bucket = buckets.find_bucket_by_name(name) or buckets.create_bucket(
                bucket_name=name, org=self.options.org, retention_rules=rules
            )
            if (self.database, TIER_RP[tier]) not in known:
                dbrps.post_dbrp(
                    DBRPCreate(
                        org_id=org_id, bucket_id=bucket.id, database=self.database, retention_policy=TIER_RP[tier], default=tier == "raw"
                    )
                )

    def write(self, body: bytes, tier: str) -> None:
        from influxdb_client import WritePrecision
        from influxdb_client.client.write_api import SYNCHRONOUS
        from influxdb_client.rest import ApiException
        from urllib3.exceptions import HTTPError

        try:
            self.client.write_api(write_options=SYNCHRONOUS).write(bucket=self.bucket(tier), record=body, write_precision=WritePrecision.US)
        except ApiException as exc:
            if exc.status and 400 <= exc.status < 500 and exc.status != 429:
                raise HistorianError(f"InfluxDB at {self.url} refused a write: {exc.status} {exc.body}") from exc
            raise HistorianUnavailable(f"InfluxDB at {self.url}: {exc.status} {exc.reason}") from exc
        except HTTPError as exc:
            raise HistorianUnavailable(f"InfluxDB at {self.url}: {exc}") from exc

    def close(self) -> None:
        self.client.close()
        super().close()
