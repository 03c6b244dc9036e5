"""`python -m api.cli api --workers 2`: two processes on one port that share their limits and metrics."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from testkit.support import free_port, stop_group, wait_ready

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def two_workers(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    port = free_port()
    log = tmp_path_factory.mktemp("api") / "api.log"
    env = os.environ | {"VAR_DIR": str(log.parent / "var"), "PREFECT_API_URL": ""}
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "api.cli", "api", "--port", str(port), "--workers", "2"],
            cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(server, base, timeout=90)
        yield base, server.pid
    finally:
        stop_group(server)


def test_two_processes_serve_one_port_and_metrics_count_both(two_workers):
    base, _ = two_workers
    before = httpx.get(f"{base}/metrics").text
    for _ in range(40):
        assert httpx.get(f"{base}/api/templates", headers={"Authorization": "Bearer x"}).status_code == 401
    after = httpx.get(f"{base}/metrics").text

    def count(text: str) -> float:
        labels = r'handler="/api/templates",method="GET",status="401"'
        pattern = r"postwright_http_requests_total\{" + labels + r"\} (\S+)"
        found = re.search(pattern, text)
        return float(found.group(1)) if found else 0.0

    # Whichever process answers GET /metrics, it counts the requests both answered.
    assert count(after) - count(before) == 40
    import psutil

    supervisor = psutil.Process(two_workers[1])
    serving = [child for child in supervisor.children(recursive=True) if "spawn" in " ".join(child.cmdline())]
    assert len(serving) == 2


def test_a_login_limit_holds_across_both_processes(two_workers):
    # 20 logins a minute per client address (the default): spread over two processes they are still 20
    # (each for another account, so only the address's limit applies).
    base, _ = two_workers
    statuses = [
        httpx.post(
            f"{base}/api/auth/login",
            json={"email": f"workers-{uuid.uuid4().hex[:8]}@example.com", "password": "not-the-password"},
        ).status_code
        for _ in range(24)
    ]
    assert statuses[:20] == [401] * 20
    assert statuses[20:] == [429] * 4
