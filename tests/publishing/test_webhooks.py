"""Webhooks: private addresses refused, deliveries signed against replay, retried and logged."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import delete

from api.core.config import get_settings
from api.core.db import session_scope
from api.users.models import User
from api.webhooks import service as webhooks
from tests.support import serve_in_thread


@pytest.fixture
def receiver():
    """An endpoint recording each delivery; answers the statuses in `replies` first, then 204."""
    state = {"received": [], "replies": []}
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> JSONResponse:
        state["received"].append((dict(request.headers), await request.body()))
        status = state["replies"].pop(0) if state["replies"] else 204
        return JSONResponse(None, status_code=status)

    with serve_in_thread(app) as url:
        state["url"] = f"{url}/hook"
        yield state


def test_loopback_and_private_urls_are_refused(client, user_factory, auth_headers):
    headers = auth_headers(user_factory())
    for url in (
        "http://127.0.0.1:9/x",
        "http://10.0.0.5/x",
        "http://169.254.169.254/latest",
    ):
        answer = client.post(
            "/api/webhooks", headers=headers, json={"url": url, "events": ["post.published"]}
        )
        assert answer.status_code == 422, url
        assert (
            answer.json()["detail"][0]["loc"] == ["body", "url"]
            and "non-public" in answer.json()["detail"][0]["msg"]
        )
    ipv6 = client.post(
        "/api/webhooks", headers=headers, json={"url": "http://[::1]/x", "events": ["post.failed"]}
    )
    assert ipv6.status_code == 422 and ipv6.json()["detail"][0]["loc"] == ["body", "url"]
    unknown = client.post("/api/webhooks", headers=headers, json={"url": "http://x/y", "events": ["nope"]})
    assert unknown.status_code == 422


@pytest.fixture
def committed_user():
    """A user committed for real: the deliverer works in its own transactions."""
    with session_scope() as session:
        user = User(email=f"hook-{uuid.uuid4().hex[:10]}@example.com", password_hash="x", name="H")
        session.add(user)
    yield user
    with session_scope() as session:
        session.execute(delete(User).where(User.id == user.id))


def test_deliveries_are_signed_retried_and_logged(
    client, committed_user, auth_headers, receiver, monkeypatch
):
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)
    with session_scope() as session:
        hook, secret = webhooks.create(session, committed_user.id, receiver["url"], ["post.published"])
        queued = webhooks.emit(session, committed_user.id, "post.published", {"draft_id": "d1"})
        ignored = webhooks.emit(session, committed_user.id, "post.failed", {"draft_id": "d2"})
    assert (queued, ignored) == (1, 0)
    headers = auth_headers(committed_user)
    assert secret not in str(client.get("/api/webhooks", headers=headers).json())

    receiver["replies"] = [500]
    assert webhooks.deliver_due()["retry"] == 1 and len(receiver["received"]) == 1
    assert webhooks.deliver_due()["retry"] == 0  # waits before the next try
    assert webhooks.deliver_due(datetime.now(UTC) + timedelta(seconds=31))["delivered"] == 1
    sent_headers, body = receiver["received"][-1]
    signature = sent_headers["postwright-signature"]
    assert (
        json.loads(body)["event"] == "post.published" and sent_headers["postwright-event"] == "post.published"
    )
    assert webhooks.verify(secret, body, signature)
    assert not webhooks.verify(secret, body + b" ", signature)
    assert not webhooks.verify(secret, body, signature, now=time.time() + 3600)  # a replay an hour later
    log = client.get(f"/api/webhooks/{hook.id}/deliveries", headers=headers).json()["items"]
    assert [(d["event"], d["status"], d["attempts"], d["response_status"]) for d in log] == [
        ("post.published", "delivered", 2, 204)
    ]
