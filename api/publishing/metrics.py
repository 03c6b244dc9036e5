"""Results come back: a published post's metrics at about 1 hour, 24 hours and 7 days, into `user_posts`.

They land in the same row an import of the platform's export would update, so analytics, the engagement
model and the prediction audit see real outcomes without anyone exporting anything.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import select, update

from api.accounts import service as accounts
from api.accounts.models import ConnectedAccount
from api.content.models import ContentDraft
from api.core.config import get_settings
from api.core.db import session_scope
from api.platforms import registry
from api.platforms.base import PlatformError, http_client
from api.platforms.registry import UnknownPlatform
from api.posts.models import UserPost
from api.publishing.models import MetricPull

logger = logging.getLogger("postwright.metrics")

MAX_TRIES = 5
RETRY_AFTER = timedelta(minutes=30)


def collect_due(
    now: datetime | None = None, limit: int = 500, http: httpx.Client | None = None
) -> dict[str, int]:
    """Fetch the due pulls, one claimed row at a time (SKIP LOCKED: runs may overlap); counts by outcome."""
    now = now or datetime.now(UTC)
    counts = {"collected": 0, "retry": 0, "failed": 0}
    owns = http is None
    client = http or http_client(get_settings())
    try:
        for _ in range(limit):
            outcome = _collect_one(client, now)
            if outcome is None:
                break
            counts[outcome] += 1
    finally:
        if owns:
            client.close()
    return counts


def _collect_one(http: httpx.Client, now: datetime) -> str | None:
    with session_scope() as session:
        row = session.execute(
            select(MetricPull, ContentDraft, ConnectedAccount)
            .join(ContentDraft, ContentDraft.id == MetricPull.draft_id)
            .join(
                ConnectedAccount,
                (ConnectedAccount.user_id == ContentDraft.user_id)
                & (ConnectedAccount.platform == ContentDraft.platform),
                isouter=True,
            )
            .where(MetricPull.done_at.is_(None), MetricPull.due_at <= now, MetricPull.tries < MAX_TRIES)
            .order_by(MetricPull.due_at)
            .limit(1)
            .with_for_update(skip_locked=True, of=MetricPull)
        ).first()
        if row is None:
            return None
        pull, draft, account = row
        pull.tries += 1
        try:
            if account is None or draft.external_id is None:
                raise PlatformError("the account is no longer connected")
            token = accounts.fresh_access_token(account.id, http)
            metrics = (
                registry.get(draft.platform).connect(get_settings(), http).metrics(token, [draft.external_id])
            )
            found = metrics.get(draft.external_id)
            if found is None:
                raise PlatformError("the platform no longer has this post")
        except (PlatformError, UnknownPlatform, httpx.HTTPError) as exc:
            pull.error = str(exc)[:500]
            if pull.tries >= MAX_TRIES:
                pull.done_at = now
                return "failed"
            pull.due_at = now + RETRY_AFTER
            return "retry"
        pull.metrics, pull.done_at, pull.error = found, now, None
        session.execute(
            update(UserPost)
            .where(
                UserPost.user_id == draft.user_id,
                UserPost.platform == draft.platform,
                UserPost.external_id == draft.external_id,
            )
            .values(engagement_metrics=UserPost.engagement_metrics.op("||")(found))
        )
        logger.info("metrics collected", extra={"draft_id": str(draft.id), **found})
        return "collected"
