"""HTTP push tokens and ingested batch ids in the relational store, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from edge.errors import TokenError
from edge.tokens import GatewayTokens, digest
from scada.store import connect, downgrade, upgrade
from scada.store.tables import edge_tokens


def test_tokens_are_scoped_hashed_and_revocable(store_url: str) -> None:
    engine = connect(store_url)
    upgrade(engine)
    tokens = GatewayTokens(engine, clock=lambda: 1_800_000_000.0)
    t1, t2 = tokens.issue("E01", "GW-E01", "张建国"), tokens.issue("E02", "GW-E02")
    assert t1 != t2
    assert tokens.check(t1).enterprise == "E01" and tokens.check(t2).gateway == "GW-E02"
    with engine.connect() as conn:
        stored = [r.token_hash for r in conn.execute(edge_tokens.select())]
    assert digest(t1) in stored and t1 not in stored  # only the hash is kept
    with pytest.raises(TokenError):
        tokens.check(t1 + "x")
    first = tokens.list("E01")[0]
    assert tokens.revoke(first.id) and not tokens.revoke(first.id)
    with pytest.raises(TokenError):
        tokens.check(t1)
    assert tokens.list("E01")[0].revoked_at == 1_800_000_000.0
    assert tokens.check(t2).enterprise == "E02"
    engine.dispose()


def test_batch_ids_are_remembered_once(store_url: str) -> None:
    engine = connect(store_url)
    upgrade(engine)
    tokens = GatewayTokens(engine)
    assert not tokens.seen("E01", "s1", 5)
    tokens.remember("E01", "s1", 5, 100)
    tokens.remember("E01", "s1", 5, 100)  # a racing retry: no error, still one row
    assert tokens.seen("E01", "s1", 5) and not tokens.seen("E01", "s2", 5) and not tokens.seen("E02", "s1", 5)
    downgrade(engine, "0004")  # the edge branch comes off cleanly
    upgrade(engine)
    assert not tokens.seen("E01", "s1", 5)
    engine.dispose()
