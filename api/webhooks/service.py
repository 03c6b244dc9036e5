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
from api.core.errors import Conflict, Unprocessable
from api.core.jobs import LeasedJob, fixed
from api.core.ownership import Scope, get_owned, owned_rows
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


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the URL, and the address that passed the check when there was one.

    The request connects to that very address (the host name still in the Host header and in TLS's
    server name, so certificates are checked against the name): a host resolved again by the HTTP
    client could answer differently the second time (DNS rebinding) and reach a private address."""

    url: str
    address: str | None = None

    def request(self) -> tuple[httpx.URL, dict[str, str], dict[str, Any]]:
        """The URL to connect to, the headers and the request extensions that pin the address."""
        url = httpx.URL(self.url)
        if self.address is None:
            return url, {}, {}
        return (
            url.copy_with(host=self.address),
            {"Host": url.netloc.decode("ascii")},
            {"sni_hostname": url.host},
        )


def check_address(url: str, settings: Settings) -> Target | str:
    """The URL's target, or why it may not receive webhooks (private, loopback, link-local... address)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "the URL must be http(s)://host[:port]/... with a port up to 65535"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "the URL must be http(s)://host/..."
    if settings.webhook_allow_private:
        return Target(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return f"the host {parts.hostname!r} does not resolve"
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%")[0]) for info in infos]
    for address in addresses:
        if not address.is_global:
            return f"the host {parts.hostname!r} resolves to a non-public address ({address})"
    if not addresses:
        return f"the host {parts.hostname!r} does not resolve"
    return Target(url, str(addresses[0]))


def refused_address(url: str, settings: Settings) -> str | None:
    """Why the URL may not receive webhooks, or None."""
    checked = check_address(url, settings)
    return checked if isinstance(checked, str) else None


def create(session: Session, scope: Scope, url: str, events: list[str]) -> tuple[Webhook, str]:
    """A new endpoint and its secret (returned this once)."""
    if (reason := refused_address(url, get_settings())) is not None:
        raise Unprocessable([{"loc": ["body", "url"], "msg": reason}])
    count = session.scalar(select(func.count()).where(Webhook.workspace_id == scope.workspace_id)) or 0
    if count >= MAX_WEBHOOKS_PER_USER:
        raise Conflict(f"At most {MAX_WEBHOOKS_PER_USER} webhooks per workspace; delete one first.")
    secret = "whsec_" + secrets.token_urlsafe(32)
    hook = Webhook(
        workspace_id=scope.workspace_id,
        user_id=scope.user_id,
        url=url,
        events=sorted(set(events)),
        secret_encrypted=encrypt(secret),
    )
    session.add(hook)
    session.flush()
    return hook, secret


def owned(session: Session, scope: Scope, webhook_id: uuid.UUID) -> Webhook:
    return get_owned(session, Webhook, scope, webhook_id, "webhook")


def list_owned(session: Session, scope: Scope) -> list[Webhook]:
    return list(session.scalars(owned_rows(Webhook, scope).order_by(Webhook.created_at)))


def delete(session: Session, scope: Scope, webhook_id: uuid.UUID) -> None:
    """Remove an endpoint and its delivery log."""
    session.delete(owned(session, scope, webhook_id))
    session.flush()


def latest_deliveries(
    session: Session, scope: Scope, webhook_id: uuid.UUID, limit: int
) -> list[WebhookDelivery]:
    """The endpoint's latest deliveries, newest first."""
    hook = owned(session, scope, webhook_id)
    query = (
        select(WebhookDelivery)
        .where(WebhookDelivery.webhook_id == hook.id)
        .order_by(WebhookDelivery.created_at.desc())
        .limit(limit)
    )
    return list(session.scalars(query))


def emit(session: Session, workspace_id: uuid.UUID, event: str, data: dict[str, Any]) -> int:
    """Queue `event` for each endpoint of the workspace that listens to it (in the caller's transaction)."""
    hooks = session.scalars(
        select(Webhook).where(
            Webhook.workspace_id == workspace_id, Webhook.active.is_(True), Webhook.events.contains([event])
        )
    ).all()
    payload = {"event": event, "created_at": datetime.now(UTC).isoformat(), "data": data}
    for hook in hooks:
        session.add(
            WebhookDelivery(webhook_id=hook.id, event=event, payload=payload | {"id": str(uuid.uuid4())})
        )
    return len(hooks)


# The endpoint's status code and, when the delivery failed, why.
Sent = tuple[int | None, str | None]


@dataclass(frozen=True)
class _Delivery:
    delivery_id: uuid.UUID
    url: str
    secret: str
    body: bytes
    event: str


# A delivery being sent is not taken by another run for this long (then it is, should its sender have died).
DELIVERY_LEASE = timedelta(seconds=3 * DELIVERY_TIMEOUT_SECONDS + 30)


def _prepare(session: Session, delivery: WebhookDelivery, now: datetime) -> _Delivery:
    hook = session.get(Webhook, delivery.webhook_id)
    assert hook is not None  # the foreign key cascades deletes
    return _Delivery(
        delivery_id=delivery.id,
        url=hook.url,
        secret=decrypt(hook.secret_encrypted),
        body=json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode(),
        event=delivery.event,
    )


def _record(session: Session, job: _Delivery, sent: Sent, now: datetime) -> str:
    delivery = session.get(WebhookDelivery, job.delivery_id, with_for_update=True)
    if delivery is None:  # its webhook was deleted meanwhile
        return "failed"
    status_code, error = sent
    delivery.attempts += 1
    delivery.response_status = status_code
    if error is None:
        delivery.status, delivery.delivered_at, delivery.last_error = "delivered", now, None
        return "delivered"
    delivery.last_error = error
    if delivery.attempts > len(RETRY_WAITS):
        delivery.status = "failed"
        logger.warning("webhook delivery gave up", extra={"delivery_id": str(delivery.id), "error": error})
        return "failed"
    delivery.next_attempt_at = now + RETRY_WAITS[delivery.attempts - 1]
    return "retry"


def delivery_job(
    client: httpx.Client,
) -> LeasedJob[WebhookDelivery, _Delivery, tuple[int | None, str | None]]:
    return LeasedJob(
        name="deliver-webhooks",
        table=WebhookDelivery,
        due=lambda now: [WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now],
        order_by=WebhookDelivery.next_attempt_at,
        lease_column=WebhookDelivery.next_attempt_at,
        lease=DELIVERY_LEASE,
        prepare=_prepare,
        perform=lambda job: _send(client, job.url, job.secret, job.body, job.event),
        record=_record,
    )


def deliver_due(
    now: datetime | None = None, limit: int = 500, http: httpx.Client | None = None
) -> dict[str, int]:
    """Send every due delivery once (see api.core.jobs: no transaction is open while sending); counts."""
    client = http or httpx.Client(timeout=DELIVERY_TIMEOUT_SECONDS, follow_redirects=False)
    try:
        counts = delivery_job(client).run_pass(fixed(now), limit)
    finally:
        if http is None:
            client.close()
    return {"delivered": counts["delivered"], "retry": counts["retry"], "failed": counts["failed"]}


def _send(client: httpx.Client, url: str, secret: str, body: bytes, event: str) -> Sent:
    target = check_address(url, get_settings())  # DNS may have changed since the webhook was saved
    if isinstance(target, str):
        return None, f"refused: {target}"
    connect_to, pinned_headers, extensions = target.request()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Postwright-Webhooks/1",
        "Postwright-Event": event,
        SIGNATURE_HEADER: sign(secret, body, int(time.time())),
        **pinned_headers,
    }
    try:
        response = client.post(connect_to, content=body, headers=headers, extensions=extensions)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: could not reach the endpoint"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"the endpoint answered {response.status_code}"
