"""Child processes of `make up` (Prefect server, flow runner, MLflow UI): started, health-checked, stopped."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

logger = logging.getLogger("postwright.supervisor")


class ServiceFailedToStart(RuntimeError):
    """A child service exited or never answered its health check; its log file says why."""


@dataclass
class ChildService:
    name: str
    argv: list[str]
    log_path: Path
    health_url: str | None = None
    env: dict[str, str] = field(default_factory=dict)
    # Added to the child's niceness (lower CPU priority) right after it starts; its own children inherit it.
    nice: int = 0
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        logger.info("starting %s", self.name, extra={"log": str(self.log_path)})
        # Own process group, so a terminal's Ctrl+C reaches us first and we stop children in order.
        self.process = subprocess.Popen(
            self.argv,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **self.env},
            start_new_session=True,
        )
        if self.nice and hasattr(os, "setpriority"):
            # An OSError: it exited already, and wait_healthy or its log says why.
            with contextlib.suppress(OSError):
                niceness = os.getpriority(os.PRIO_PROCESS, 0) + self.nice
                os.setpriority(os.PRIO_PROCESS, self.process.pid, niceness)

    def wait_healthy(self, timeout: float = 90.0) -> None:
        if self.health_url is None or self.process is None:
            return
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise ServiceFailedToStart(
                    f"{self.name} exited with code {self.process.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(self.health_url, timeout=2).status_code < 500:
                    logger.info("%s is up", self.name, extra={"url": self.health_url})
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise ServiceFailedToStart(
            f"{self.name} did not answer {self.health_url} in {timeout:.0f}s; see {self.log_path}"
        )

    def stop(self, grace: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        logger.info("stopping %s", self.name)
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def venv_script(name: str) -> str:
    """A console script installed beside this interpreter (prefect, mlflow, bentoml)."""
    return str(Path(sys.executable).with_name(name))
