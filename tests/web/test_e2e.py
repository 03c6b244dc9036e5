"""The web app end to end in a real browser (Debian's Chromium driven by playwright-core), against the real
API process on real PostgreSQL, with real tone and engagement champions and the fake OpenAI-compatible LLM.

`web/e2e/run.mjs` does the browsing: sign-up -> onboarding -> import -> voice -> generate -> pick -> edit with
the live forecast -> schedule, a keyboard-only pass of sign-in -> generate -> pick -> edit -> schedule, axe on
every screen, no sideways scroll at 390 px, JavaScript weight, no console error and no failed request, and
screenshots of every screen into docs/screens/. Its figures land in web/e2e/out/report.json.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import Request

from testkit.database import create_database
from testkit.fake_llm import FakeLLM, ordinary_replies, serve
from testkit.fake_platforms import FakePlatforms
from testkit.support import free_port, serve_in_thread, stop_group, wait_ready

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")

SENTENCES = [
    "Small teams ship faster when every change is small enough to review in ten minutes.",
    "We cut our release checklist from forty items to nine and nothing broke.",
    "Hiring managers who write the scorecard before the first interview hire better.",
    "Onboarding starts before day one: a laptop, a buddy and a plan for the first month.",
    "The best postmortems name the system that failed, never the person.",
    "Measure what users actually do, not what they say they will do.",
    "A weekly demo keeps everyone honest about what is really done.",
    "Documentation is a product: it has users, and they have deadlines.",
]


def history_file(folder: Path) -> Path:
    """40 LinkedIn posts with engagement counts, and two rows the importer must reject by line."""
    rng = random.Random(5)
    posts: list[dict[str, object]] = []
    for day in range(40):
        posts.append(
            {
                "platform": "linkedin",
                "content": " ".join(rng.sample(SENTENCES, 3)) + f" (day {day + 1})",
                "posted_at": f"2026-{9 + day // 28:02d}-{day % 28 + 1:02d}T0{8 + day % 2}:30:00+00:00",
                "likes": rng.randint(5, 120),
                "comments": rng.randint(0, 20),
                "shares": rng.randint(0, 8),
                "impressions": rng.randint(800, 9000),
            }
        )
    posts.append({"platform": "linkedin", "content": "", "posted_at": "2026-10-01T09:00:00+00:00"})
    posts.append({"platform": "myspace", "content": "An old post.", "posted_at": "2026-10-02T09:00:00+00:00"})
    path = folder / "my-linkedin-posts.json"
    path.write_text(json.dumps(posts, indent=1), encoding="utf-8")
    return path


@pytest.fixture
def llm() -> Iterator[tuple[FakeLLM, str]]:
    fake = FakeLLM(ordinary_replies(500), delay=0.3)
    normal = list(fake.replies)

    @fake.app.post("/control/{mode}")
    async def control(mode: str, request: Request) -> dict[str, str]:
        # The browser run switches the LLM off and on to see the 503 in words and the request kept.
        fake.replies = [503] if mode == "down" else list(normal)
        return {"mode": mode}

    with serve(fake) as url:
        yield fake, url


@pytest.fixture
def platforms() -> Iterator[tuple[FakePlatforms, str]]:
    """The fake X and LinkedIn, with a consent page for the browser and a control the scenarios use:
    `POST /control/fail_next {"statuses": [403]}` (the next posts are refused), `/control/reset`."""
    fake = FakePlatforms()

    @fake.app.post("/control/{action}")
    async def control(action: str, request: Request) -> dict[str, object]:
        body = await request.json() if await request.body() else {}
        if action == "fail_next":
            fake.fail_next = [int(s) for s in body.get("statuses", [])]
        elif action == "reset":
            fake.reset()
        return {"action": action, "posts": [p.text for p in fake.posts]}

    with serve_in_thread(fake.app) as url:
        yield fake, url


@pytest.fixture
def web_api(
    pg_server_url: str, tmp_path: Path, llm: tuple[FakeLLM, str], platforms: tuple[FakePlatforms, str]
) -> Iterator[str]:
    # WEB_DIST_DIR serves another build (one per person working on a scenario); web/dist by default.
    dist = Path(os.environ.get("WEB_DIST_DIR", WEB / "dist"))
    assert (dist / "index.html").is_file(), f"the web app is not built in {dist}: run `make install`"
    url, drop = create_database(pg_server_url, "pw_e2e")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    fake = platforms[1]
    env = os.environ | {
        "DATABASE_URL": url,
        "ENVIRONMENT": "test",
        "JWT_SECRET": secrets.token_urlsafe(48),
        "VAR_DIR": str(tmp_path / "var"),
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path}/mlflow.db",
        "MLFLOW_ARTIFACT_ROOT": str(tmp_path / "artifacts"),
        "BENTOML_HOME": str(tmp_path / "bentoml"),
        "LLM_BASE_URL": llm[1],
        "LOG_LEVEL": "WARNING",
        # The tone analysis after an import runs on a thread of the API process.
        "FLOW_EXECUTION": "thread",
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PUBLIC_BASE_URL": base,
        # Every scenario signs up and signs in its own users from this one address, within a few minutes: the
        # per-address limits are raised for the run (tests/auth covers them at their defaults).
        "RATE_LIMIT_LOGIN_PER_IP": "300/minute",
        "RATE_LIMIT_REGISTER_PER_IP": "100/minute",
        "X_CLIENT_ID": "x-client",
        "X_AUTHORIZE_URL": f"{fake}/x/i/oauth2/authorize",
        "X_TOKEN_URL": f"{fake}/x/2/oauth2/token",
        "X_API_BASE_URL": f"{fake}/x",
        "LINKEDIN_CLIENT_ID": "li-client",
        "LINKEDIN_AUTHORIZE_URL": f"{fake}/li/oauth/v2/authorization",
        "LINKEDIN_TOKEN_URL": f"{fake}/li/oauth/v2/accessToken",
        "LINKEDIN_API_BASE_URL": f"{fake}/li",
    }
    for name in ("REDIS_URL", "SERVING_URLS", "PREFECT_API_URL"):
        env.pop(name, None)
    subprocess.run(
        [sys.executable, "-c", "from api.cli import migrate; migrate()"], env=env, check=True, cwd=ROOT
    )
    subprocess.run([sys.executable, "-m", "tests.web.prepare_models"], env=env, check=True, cwd=ROOT)
    log = (tmp_path / "api.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--log-level", "warning"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    publisher = subprocess.Popen(
        [sys.executable, "-m", "tests.web.publisher_loop"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        wait_ready(server, base, timeout=90)
        yield base
    finally:
        stop_group(publisher)
        stop_group(server)
        log.close()
        print((tmp_path / "api.log").read_text()[-4000:])
        drop()


def test_the_web_app_end_to_end_in_chromium(
    web_api: str, llm: tuple[FakeLLM, str], platforms: tuple[FakePlatforms, str], tmp_path: Path
) -> None:
    assert Path(CHROMIUM).exists(), f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium"
    out = WEB / "e2e" / "out" / os.environ.get("E2E_ONLY", "all").replace(",", "+")
    shutil.rmtree(out, ignore_errors=True)
    env = os.environ | {
        "BASE_URL": web_api,
        "LLM_CONTROL_URL": llm[1].removesuffix("/v1") + "/control",
        "PLATFORMS_CONTROL_URL": platforms[1] + "/control",
        "OUTBOX_DIR": str(tmp_path / "var" / "outbox"),  # the API's development mail (VAR_DIR/outbox)
        "CHROMIUM": CHROMIUM,
        "HISTORY_FILE": str(history_file(tmp_path)),
        "SCREENS_DIR": str(ROOT / "docs" / "screens"),
        "OUT_DIR": str(out),
    }
    result = subprocess.run(
        ["node", "e2e/run.mjs"], cwd=WEB, env=env, capture_output=True, text=True, timeout=840
    )
    print(result.stdout[-12000:])
    print(result.stderr[-6000:])
    assert result.returncode == 0, "the browser run failed: see its output above"
    report = json.loads((out / "report.json").read_text())
    assert report["axe_violations"] == {}
    assert report["console_errors"] == [] and report["failed_requests"] == []
    assert report["sideways_scroll"] == {}
    if "E2E_ONLY" not in os.environ:  # a run of some scenarios (while working on one) skips the weights
        assert report["js_kb"]["sign-in + home"] <= 170
        # The chart library (about 130 KB) is paid for on the analytics screen only.
        others = {k: v for k, v in report["js_kb"].items() if k != "analytics"}
        assert len(others) >= 11 and max(others.values()) <= 150, report["js_kb"]
    assert max(report["js_kb"].values(), default=0) <= 350
