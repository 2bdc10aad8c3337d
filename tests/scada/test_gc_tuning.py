"""The long-lived heap is frozen out of the cyclic GC; later garbage (and a replaced configuration) is still collected."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest

from scada.gc_tuning import freeze_long_lived, pause_until_frozen


class Node:
    def __init__(self) -> None:
        self.me = self  # a reference cycle: only the cyclic collector frees it


@pytest.fixture(autouse=True)
def unfrozen() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


def test_what_exists_is_frozen_and_later_cycles_are_still_collected() -> None:
    config = [Node() for _ in range(100)]
    freeze_long_lived()
    assert gc.get_freeze_count() >= len(config)  # in the permanent generation: never scanned again
    later = Node()
    gone = weakref.ref(later)
    del later
    gc.collect()
    assert gone() is None


def test_a_replaced_configuration_in_a_cycle_is_freed_by_the_next_freeze() -> None:
    old = Node()
    gone = weakref.ref(old)
    freeze_long_lived()
    del old  # a reload replaced it: unreachable, but frozen
    gc.collect()
    assert gone() is not None  # a frozen cycle is never scanned
    freeze_long_lived()  # what the reload calls
    assert gone() is None


def test_start_up_runs_without_collections_until_the_freeze() -> None:
    pause_until_frozen()
    assert not gc.isenabled()
    freeze_long_lived()
    assert gc.isenabled()
