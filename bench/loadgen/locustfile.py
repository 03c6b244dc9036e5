"""Locust users for bench/load.py: the drafts list, the dashboard, the templates and draft creation.

BENCH_TOKEN is a bearer token; BENCH_USER_RATE the requests per second each user makes, so users x rate is the
offered load; BENCH_SCENARIO `mix`, `bare` (GET /healthz only) or one read endpoint alone (`drafts`,
`dashboard`, `templates`: its ceiling beside the same SQL run by pgbench). Each user's requests start at
the times of a Poisson process of that rate (independent clients), not on a fixed beat: with a constant
beat, every user's phase collapses onto the same instant after the first stall and the load arrives as
bursts of all users at once, which measures the burst, not the rate.
"""

from __future__ import annotations

import itertools
import os
import random
import time

from locust import FastHttpUser, constant, task

HEADERS = {"Authorization": f"Bearer {os.environ.get('BENCH_TOKEN', '')}"}
RATE = float(os.environ.get("BENCH_USER_RATE", "0"))
SCENARIO = os.environ.get("BENCH_SCENARIO", "mix")
_counter = itertools.count()


def _check(response) -> None:  # type: ignore[no-untyped-def]
    """2xx is a success; a 429 is counted apart (under its own name), anything else is a failure."""
    if response.status_code == 429:
        response.failure("429")
    elif response.status_code >= 300:
        response.failure(f"status {response.status_code}")
    else:
        response.success()


def poisson_pacing(rate: float):  # type: ignore[no-untyped-def]
    """A wait_time: the next request starts an exponential interval (mean 1/rate) after the previous one
    started, or at once when that time has passed (one request in flight per user)."""

    def wait(user) -> float:  # type: ignore[no-untyped-def]
        now = time.monotonic()
        due = getattr(user, "_due", now) + random.expovariate(rate)
        user._due = max(due, now)
        return max(0.0, user._due - now)

    return wait


class ApiUser(FastHttpUser):
    wait_time = poisson_pacing(RATE) if RATE > 0 else constant(0)

    @task(3 if SCENARIO == "mix" else int(SCENARIO == "drafts"))
    def drafts(self) -> None:
        with self.client.get("/api/content/drafts?limit=20", headers=HEADERS, catch_response=True) as r:
            _check(r)

    @task(2 if SCENARIO == "mix" else int(SCENARIO == "dashboard"))
    def dashboard(self) -> None:
        with self.client.get("/api/analytics/dashboard", headers=HEADERS, catch_response=True) as r:
            _check(r)

    @task(2 if SCENARIO == "mix" else int(SCENARIO == "templates"))
    def templates(self) -> None:
        with self.client.get("/api/templates?limit=20", headers=HEADERS, catch_response=True) as r:
            _check(r)

    @task(1 if SCENARIO == "mix" else 0)
    def create_draft(self) -> None:
        body = {"platform": "twitter", "content": f"Load test draft {next(_counter)}: what we shipped."}
        with self.client.post("/api/content/drafts", json=body, headers=HEADERS, catch_response=True) as r:
            _check(r)

    @task(1 if SCENARIO == "bare" else 0)
    def bare(self) -> None:
        with self.client.get("/healthz", catch_response=True) as r:
            _check(r)
