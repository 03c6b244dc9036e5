"""Webhooks: register endpoints, queue events for them, deliver them signed, with retries and a log.

Every delivery carries `Postwright-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` keyed
with the endpoint's secret; a receiver recomputes it and refuses timestamps older than a few minutes
(replays). Events are queued in the same transaction as what they report, and delivered by the
`deliver-webhooks` flow: a failed delivery is tried again with growing waits, then marked failed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.core.config import Settings, get_settings
from api.core.crypto import decrypt, encrypt
from api.core.db import session_scope
from api.core.errors import Conflict, NotFound, Unprocessable
from api.webhooks.models import Webhook, WebhookDelivery

logger = logging.getLogger("postwright.webhooks")

SIGNATURE_HEADER = "Postwright-Signature"
MAX_WEBHOOKS_PER_USER = 10
# Waits after each failed try; after the last the delivery is marked failed.
RETRY_WAITS = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1))
DELIVERY_TIMEOUT_SECONDS = 10.0


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The signature header's value for `body` sent at `timestamp`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(
    secret: str, body: bytes, header: str, tolerance_seconds: int = 300, now: float | None = None
) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (no replays)."""
    try:
        fields = dict(part.split("=", 1) for part in header.split(","))
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, body, timestamp), header)


def refused_address(url: str, settings: Settings) -> str | None:
    """Why the URL may not receive webhooks (private, loopback, link-local... address), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the URL must be http(s)://host[:port]/... with a port up to 65535"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the URL must be http(s)://host/..."
    if settings.webhook_allow_private:
        return None
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return f"the host {parts.hostname!r} does not resolve"
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global:
            return f"the host {parts.hostname!r} resolves to a non-public address ({address})"
    return None


def create(session: Session, user_id: uuid.UUID, url: str, events: list[str]) -> tuple[Webhook, str]:
    """A new endpoint and its secret (returned this once)."""
    if (reason := refused_address(url, get_settings())) is not None:
        raise Unprocessable([{"loc": ["body", "url"], "msg": reason}])
    count = session.scalar(select(func.count()).where(Webhook.user_id == user_id)) or 0
    if count >= MAX_WEBHOOKS_PER_USER:
        raise Conflict(f"At most {MAX_WEBHOOKS_PER_USER} webhooks per user; delete one first.")
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = Webhook(user_id=user_id, url=url, events=sorted(set(events)), secret_encrypted=encrypt(secret))
    session.add(hook)
    session.flush()
    return hook, secret


def owned(session: Session, user_id: uuid.UUID, webhook_id: uuid.UUID) -> Webhook:
    hook = session.get(Webhook, webhook_id)
    if hook is None or hook.user_id != user_id:
        raise NotFound(f"No webhook {webhook_id}.")
    return hook


def emit(session: Session, user_id: uuid.UUID, event: str, data: dict[str, Any]) -> int:
    """Queue `event` for each of the user's endpoints that listens to it (in the caller's transaction)."""
    hooks = session.scalars(
        select(Webhook).where(
            Webhook.user_id == user_id, Webhook.active.is_(True), Webhook.events.contains([event])
        )
    ).all()
    payload = {"event": event, "created_at": datetime.now(UTC).isoformat(), "data": data}
    for hook in hooks:
        session.add(
            WebhookDelivery(webhook_id=hook.id, event=event, payload=payload | {"id": str(uuid.uuid4())})
        )
    return len(hooks)


@dataclass(frozen=True)
class _Job:
    delivery_id: uuid.UUID
    url: str
    secret: str
    body: bytes
    attempts: int


def deliver_due(
    now: datetime | None = None, limit: int = 500, http: httpx.Client | None = None
) -> dict[str, int]:
    """Send every due delivery once; counts by outcome."""
    counts = {"delivered": 0, "retry": 0, "failed": 0}
    owns_client = http is None
    client = http or httpx.Client(timeout=DELIVERY_TIMEOUT_SECONDS, follow_redirects=False)
    try:
        for _ in range(limit):
            outcome = _deliver_one(client, now or datetime.now(UTC))
            if outcome is None:
                break
            counts[outcome] += 1
    finally:
        if owns_client:
            client.close()
    return counts


def _deliver_one(client: httpx.Client, now: datetime) -> str | None:
    with session_scope() as session:
        row = session.execute(
            select(WebhookDelivery, Webhook)
            .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(1)
            .with_for_update(skip_locked=True, of=WebhookDelivery)
        ).first()
        if row is None:
            return None
        delivery, hook = row
        body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
        status_code, error = _send(client, hook.url, decrypt(hook.secret_encrypted), body, delivery.event)
        delivery.attempts += 1
        delivery.response_status = status_code
        if error is None:
            delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
            return "delivered"
        delivery.last_error = error
        if delivery.attempts > len(RETRY_WAITS):
            delivery.status = "failed"
            logger.warning(
                "webhook delivery gave up", extra={"delivery_id": str(delivery.id), "error": error}
            )
            return "failed"
        delivery.next_attempt_at = now + RETRY_WAITS[delivery.attempts - 1]
        return "retry"


def _send(
    client: httpx.Client, url: str, secret: str, body: bytes, event: str
) -> tuple[int | None, str | None]:
    if (reason := refused_address(url, get_settings())) is not None:  # DNS may have changed since
        return None, f"refused: {reason}"
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Postwright-Webhooks/1",
        "Postwright-Event": event,
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
    }
    try:
        response = client.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: could not reach the endpoint"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"the endpoint answered {response.status_code}"
