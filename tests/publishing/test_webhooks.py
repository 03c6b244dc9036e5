"""Webhooks: private addresses refused, deliveries signed against replay, retried and logged."""

from __future__ import annotations

import json
import socket
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from sqlalchemy import delete, select

from api.auth.models import User
from api.core.config import get_settings
from api.core.db import session_scope
from api.webhooks import service as webhooks
from api.webhooks.models import Webhook, WebhookDelivery
from testkit.support import personal_scope, serve_in_thread


@pytest.fixture
def receiver():
    """An endpoint recording each delivery; answers the statuses in `replies` first, then 204."""
    state = {"received": [], "replies": []}
    app = FastAPI()

    @app.post("/hook")
    async def hook(request: Request) -> JSONResponse:
        state["received"].append((dict(request.headers), await request.body()))
        if "during" in state:
            await run_in_threadpool(state["during"])
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
        hook, secret = webhooks.create(
            session, personal_scope(session, committed_user.id), receiver["url"], ["post.published"]
        )
        queued = webhooks.emit(
            session,
            personal_scope(session, committed_user.id).workspace_id,
            "post.published",
            {"draft_id": "d1"},
        )
        ignored = webhooks.emit(
            session,
            personal_scope(session, committed_user.id).workspace_id,
            "post.failed",
            {"draft_id": "d2"},
        )
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


def test_no_lock_or_transaction_is_held_while_the_endpoint_is_called(committed_user, receiver, monkeypatch):
    """The delivery is claimed and committed before the call: while the endpoint answers, its row can be
    locked by anyone (nothing holds it), yet another pass does not take it (its lease)."""
    monkeypatch.setattr(get_settings(), "webhook_allow_private", True)
    with session_scope() as session:
        webhooks.create(
            session, personal_scope(session, committed_user.id), receiver["url"], ["post.published"]
        )
        webhooks.emit(
            session,
            personal_scope(session, committed_user.id).workspace_id,
            "post.published",
            {"draft_id": "d1"},
        )
    seen: dict[str, object] = {}

    def during_the_call() -> None:
        with session_scope() as session:
            locked = session.execute(
                select(WebhookDelivery.id)
                .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
                .where(Webhook.user_id == committed_user.id)
                .with_for_update(nowait=True)
            ).all()
            seen["lockable"] = len(locked)
        seen["second_pass"] = webhooks.deliver_due()

    receiver["during"] = during_the_call
    assert webhooks.deliver_due()["delivered"] == 1
    assert seen == {"lockable": 1, "second_pass": {"delivered": 0, "retry": 0, "failed": 0}}
    assert len(receiver["received"]) == 1


def test_a_delivery_connects_to_the_address_that_passed_the_check(monkeypatch):
    """DNS rebinding: the name answers a public address to the check, then loopback. The request goes to
    the checked address, with the name in the Host header and in TLS's server name."""
    answers = iter(["93.184.215.14", "127.0.0.1"])
    asked: list[str] = []

    def resolver(host: str, port: object, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), 443))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    monkeypatch.setattr(get_settings(), "webhook_allow_private", False)
    sent: list[httpx.Request] = []

    def transport(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(204)

    with httpx.Client(transport=httpx.MockTransport(transport)) as client:
        assert webhooks._send(client, "https://hooks.example.com:8443/in?x=1", "s", b"{}", "post.failed") == (
            204,
            None,
        )
    [request] = sent
    assert asked == ["hooks.example.com"]  # resolved once, by the check
    assert str(request.url) == "https://93.184.215.14:8443/in?x=1"
    assert request.headers["host"] == "hooks.example.com:8443"
    assert request.extensions["sni_hostname"] == "hooks.example.com"
    # Had the check answered loopback, nothing would have been sent.
    monkeypatch.setattr(
        socket, "getaddrinfo", lambda *a, **k: [(socket.AF_INET, 1, 6, "", ("127.0.0.1", 443))]
    )
    assert webhooks._send(httpx.Client(), "https://hooks.example.com/in", "s", b"{}", "post.failed")[1] == (
        "refused: the host 'hooks.example.com' resolves to a non-public address (127.0.0.1)"
    )
