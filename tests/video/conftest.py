"""Video test fixtures: a controllable clock and checkers that are stopped after each test."""

from __future__ import annotations

import pytest
from video_rig import Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def checkers():
    """Builds VideoCheckers and stops them (their worker threads) after the test."""
    from video.checker import VideoChecker

    made: list[VideoChecker] = []

    def make(*args, **kwargs) -> VideoChecker:
        checker = VideoChecker(*args, **kwargs)
        made.append(checker)
        return checker

    yield make
    for checker in made:
        await checker.stop()
