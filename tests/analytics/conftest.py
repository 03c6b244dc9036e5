"""Imports made by these tests start no real tone analysis: the orchestrator is a recorder."""

from __future__ import annotations

import pytest

from tests.posts.fakes import RecordingLauncher, tone_launcher  # noqa: F401  (the fixture)


@pytest.fixture(autouse=True)
def _no_real_tone_analysis(tone_launcher: RecordingLauncher) -> RecordingLauncher:  # noqa: F811
    return tone_launcher
