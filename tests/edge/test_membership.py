"""Rendezvous assignment of enterprises to workers: same answer everywhere, small moves on change."""

from __future__ import annotations

from edge.membership import Membership, assign, owner

ENTERPRISES = [f"E{i:03d}" for i in range(300)]


def test_every_enterprise_has_exactly_one_owner_and_the_split_is_even() -> None:
    split = assign(ENTERPRISES, ["w1", "w2", "w3"])
    assert sorted(e for es in split.values() for e in es) == sorted(ENTERPRISES)
    assert all(70 <= len(es) <= 130 for es in split.values())


def test_a_worker_leaving_moves_only_its_own_enterprises() -> None:
    before = assign(ENTERPRISES, ["w1", "w2", "w3"])
    after = assign(ENTERPRISES, ["w1", "w3"])
    assert after["w1"] >= before["w1"] and after["w3"] >= before["w3"]
    assert after["w1"] | after["w3"] == set(ENTERPRISES)


def test_membership_follows_announcements_and_wills() -> None:
    changes: list[tuple[set[str], set[str]]] = []
    m = Membership("w1", ENTERPRISES, lambda gained, lost: changes.append((gained, lost)))
    m.rebalance()
    assert m.mine == set(ENTERPRISES)  # alone: everything
    m.seen("w2", True)
    assert m.mine == {e for e in ENTERPRISES if owner(e, ["w1", "w2"]) == "w1"}
    assert changes[-1][1] and not changes[-1][0]  # lost w2's share, gained nothing
    m.seen("w2", False)  # w2's last will
    assert m.mine == set(ENTERPRISES)
    m.seen("w1", False)  # an old retained message about ourselves changes nothing
    assert m.mine == set(ENTERPRISES)
