"""Results come back: a published post's metrics at about 1 hour, 24 hours and 7 days, into `user_posts`.

They land in the same row an import of the platform's export would update, so analytics, the engagement
model and the prediction audit see real outcomes without anyone exporting anything.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from api.accounts import service as accounts
from api.accounts.models import ConnectedAccount
from api.content.models import ContentDraft
from api.core.config import get_settings
from api.core.jobs import Done, LeasedJob, fixed
from api.history.models import UserPost
from api.platforms import registry
from api.platforms.base import PlatformError, http_client
from api.platforms.registry import UnknownPlatform
from api.publishing.models import MetricPull

logger = logging.getLogger("postwright.metrics")

MAX_TRIES = 5
RETRY_AFTER = timedelta(minutes=30)


# A pull being fetched is not taken by another run for this long (then it is, should its runner have died).
PULL_LEASE = timedelta(minutes=5)


@dataclass(frozen=True)
class _Pull:
    pull_id: uuid.UUID
    draft_id: uuid.UUID
    user_id: uuid.UUID
    platform: str
    external_id: str
    account_id: uuid.UUID


# What the platform said of the post: its metrics, or why there are none.
Fetched = dict[str, int] | PlatformError | httpx.HTTPError


def _prepare(session: Session, pull: MetricPull, now: datetime) -> _Pull | Done:
    draft = session.get(ContentDraft, pull.draft_id)
    account = (
        session.scalar(
            select(ConnectedAccount).where(
                ConnectedAccount.workspace_id == draft.workspace_id,
                ConnectedAccount.platform == draft.platform,
            )
        )
        if draft is not None
        else None
    )
    if draft is None or account is None or draft.external_id is None:
        return Done(_failed_try(pull, "the account is no longer connected", now))
    return _Pull(pull.id, draft.id, draft.user_id, draft.platform, draft.external_id, account.id)


def _fetch(http: httpx.Client, job: _Pull) -> Fetched:
    """No transaction open: refresh the token if it must (its own transaction), ask the platform."""
    try:
        token = accounts.fresh_access_token(job.account_id, http)
        metrics = registry.get(job.platform).connect(get_settings(), http).metrics(token, [job.external_id])
    except (PlatformError, httpx.HTTPError) as exc:
        return exc
    except UnknownPlatform as exc:  # a platform no longer registered
        return PlatformError(str(exc))
    found = metrics.get(job.external_id)
    return found if found is not None else PlatformError("the platform no longer has this post")


def _failed_try(pull: MetricPull, error: str, now: datetime) -> str:
    pull.tries += 1
    pull.error, pull.lease_until = error[:500], None
    if pull.tries >= MAX_TRIES:
        pull.done_at = now
        return "failed"
    pull.due_at = now + RETRY_AFTER
    return "retry"


def _record(session: Session, job: _Pull, fetched: Fetched, now: datetime) -> str:
    pull = session.get(MetricPull, job.pull_id, with_for_update=True)
    if pull is None:  # the draft was deleted meanwhile
        return "failed"
    if not isinstance(fetched, dict):
        return _failed_try(pull, str(fetched), now)
    pull.tries += 1
    pull.metrics, pull.done_at, pull.error, pull.lease_until = fetched, now, None, None
    session.execute(
        update(UserPost)
        .where(
            UserPost.user_id == job.user_id,
            UserPost.platform == job.platform,
            UserPost.external_id == job.external_id,
        )
        .values(engagement_metrics=UserPost.engagement_metrics.op("||")(fetched))
    )
    logger.info("metrics collected", extra={"draft_id": str(job.draft_id), **fetched})
    return "collected"


def pull_job(http: httpx.Client) -> LeasedJob[MetricPull, _Pull, Fetched]:
    return LeasedJob(
        name="collect-post-metrics",
        table=MetricPull,
        due=lambda now: [
            MetricPull.done_at.is_(None),
            MetricPull.due_at <= now,
            MetricPull.tries < MAX_TRIES,
        ],
        order_by=MetricPull.due_at,
        lease_column=MetricPull.lease_until,
        lease=PULL_LEASE,
        prepare=_prepare,
        perform=lambda job: _fetch(http, job),
        record=_record,
    )


def collect_due(
    now: datetime | None = None, limit: int = 500, http: httpx.Client | None = None
) -> dict[str, int]:
    """Fetch every due pull once (see api.core.jobs: no transaction is open while the platform is
    asked; runs may overlap); counts by outcome."""
    client = http or http_client(get_settings())
    try:
        counts = pull_job(client).run_pass(fixed(now), limit)
    finally:
        if http is None:
            client.close()
    return {"collected": counts["collected"], "retry": counts["retry"], "failed": counts["failed"]}
