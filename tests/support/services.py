"""Tests that need a service: skip when it is missing, but fail under CI (``SCADA_REQUIRE_SERVICES=1``)."""

from __future__ import annotations

import os

import pytest

# Set by .ci/run: a service a test needs must be there; a missing one fails the test instead of skipping it.
REQUIRE_SERVICES = os.environ.get("SCADA_REQUIRE_SERVICES") == "1"


def service_missing(what: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is not reachable and SCADA_REQUIRE_SERVICES=1: CI must not skip this test")
    pytest.skip(f"{what} is not reachable")
