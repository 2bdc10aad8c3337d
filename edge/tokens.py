"""HTTP push tokens: one per gateway, scoped to its enterprise, stored only as a SHA-256 hash.

A token is shown once when issued (``scada edge-token issue``); the store keeps its hash, so a
leaked database does not leak tokens. Revoked tokens stay listed (who, when) for the audit trail.
Also remembers the batch ids (enterprise, stream, seq) ingested over HTTP, so a retried upload
is answered without being applied twice.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from edge.errors import TokenError
from scada.store.tables import edge_http_batches, edge_tokens

PREFIX = "gwt_"


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class TokenInfo:
    id: int
    enterprise: str
    gateway: str
    created_at: float
    created_by: str
    revoked_at: float | None


class GatewayTokens:
    def __init__(self, engine: Engine, clock: Callable[[], float] = time.time) -> None:
        self.engine, self.clock = engine, clock

    def issue(self, enterprise: str, gateway: str, by: str = "system") -> str:
        token = PREFIX + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                insert(edge_tokens).values(
                    enterprise=enterprise, gateway=gateway, token_hash=digest(token), created_at=self.clock(), created_by=by
                )
            )
        return token

    def revoke(self, token_id: int) -> bool:
        with self.engine.begin() as conn:
            result = conn.execute(
                update(edge_tokens).where(edge_tokens.c.id == token_id, edge_tokens.c.revoked_at.is_(None)).values(revoked_at=self.clock())
            )
        return bool(result.rowcount)

    def check(self, token: str) -> TokenInfo:
        """The token's enterprise and gateway; raises TokenError when unknown or revoked."""
        with self.engine.connect() as conn:
            row = conn.execute(select(edge_tokens).where(edge_tokens.c.token_hash == digest(token))).first()
        if row is None or row.revoked_at is not None:
            raise TokenError("unknown or revoked gateway token")
        return TokenInfo(row.id, row.enterprise, row.gateway, row.created_at, row.created_by, row.revoked_at)

    def list(self, enterprise: str | None = None) -> list[TokenInfo]:
        q = select(edge_tokens).order_by(edge_tokens.c.id)
        if enterprise:
            q = q.where(edge_tokens.c.enterprise == enterprise)
        with self.engine.connect() as conn:
            return [TokenInfo(r.id, r.enterprise, r.gateway, r.created_at, r.created_by, r.revoked_at) for r in conn.execute(q)]

    # -- idempotent HTTP uploads ---------------------------------------------------------------

    def seen(self, enterprise: str, stream: str, seq: int) -> bool:
        c = edge_http_batches.c
        with self.engine.connect() as conn:
            q = select(c.seq).where(c.enterprise == enterprise, c.stream == stream, c.seq == seq)
            return conn.execute(q).first() is not None

    def remember(self, enterprise: str, stream: str, seq: int, samples: int) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(edge_http_batches).values(
                        enterprise=enterprise, stream=stream, seq=seq, samples=samples, received_at=self.clock()
                    )
                )
        except IntegrityError:
            pass  # a concurrent retry of the same batch got there first
