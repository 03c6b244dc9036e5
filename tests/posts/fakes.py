"""A stand-in for the orchestrator that runs tone analyses (Prefect), recording what it was asked to start."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest


class RecordingLauncher:
    """Takes the place of the Prefect launcher: remembers the users, starts nothing."""

    def __init__(self) -> None:
        self.started: list[uuid.UUID] = []  # users whose tone analysis was started
        self.flows: list[tuple[str, dict[str, Any]]] = []  # every flow run asked for

    def start(self, flow_name: str, parameters: dict[str, Any]) -> uuid.UUID:
        self.flows.append((flow_name, parameters))
        if flow_name == "analyze-user-tone":
            self.started.append(uuid.UUID(parameters["user_id"]))
        return uuid.uuid4()


@pytest.fixture
def tone_launcher(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingLauncher]:
    launcher = RecordingLauncher()
    monkeypatch.setattr("api.core.launcher.get_launcher", lambda: launcher)
    yield launcher
