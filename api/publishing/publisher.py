"""Scheduled drafts go out: each exactly once, every attempt recorded, failures in plain words.

A due draft is claimed under `FOR UPDATE SKIP LOCKED` and leased (`lease_until`), and the attempt is
committed *before* the platform is called. Each post of a thread is committed as soon as the platform gives
its id. So after a crash, or a timeout whose outcome is unknown, the next attempt knows what was already
posted and first looks the rest up on the platform (reconciles) before posting anything: nothing is posted
twice. A post's media (the draft's attachments for that part) are uploaded through the platform's media API
just before it, each platform id committed as soon as it is given and reused by a later attempt, so nothing
is uploaded twice either. Transient errors (429 until the platform's reset, 5xx, network) are retried with
backoff until the publish deadline; permanent ones (a refused token after refreshing, 403, duplicate, too
long) fail the draft with the platform's reason, and the user's webhooks hear of it.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import TypeVar

import httpx
from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.accounts import service as accounts
from api.accounts.models import ConnectedAccount
from api.content import approval, attachments
from api.content import service as content_service
from api.content.models import ContentDraft
from api.core.config import get_settings
from api.core.db import session_scope
from api.core.jobs import Done, LeasedJob, utc_now
from api.history.models import UserPost
from api.platforms import registry
from api.platforms.base import (
    AuthRejected,
    MediaKind,
    MediaUpload,
    PermanentError,
    PlatformClient,
    PlatformError,
    PostMedia,
    TransientError,
    http_client,
    normalise_text,
    split_thread,
)
from api.platforms.registry import UnknownPlatform
from api.publishing.models import MetricPull, PublishAttempt
from api.webhooks import service as webhooks

logger = logging.getLogger("postwright.publisher")

LEASE = timedelta(minutes=5)
# Waits before the next try after a transient error (the platform's own reset wins when it gives one).
BACKOFF = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=5), timedelta(minutes=15))
# How far back the platform is searched for a post whose outcome is unknown.
RECONCILE_WINDOW = timedelta(minutes=10)
# How long a due post that lacks its approval waits before the publisher looks at it again.
APPROVAL_HOLD = timedelta(minutes=5)
METRIC_PULLS_AFTER = (timedelta(hours=1), timedelta(hours=24), timedelta(days=7))

T = TypeVar("T")


@dataclass(frozen=True)
class Claim:
    draft_id: uuid.UUID
    attempt_id: uuid.UUID
    attempt_number: int
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    platform: str
    parts: list[str]
    first_comment: str | None
    account_id: uuid.UUID
    author_id: str
    handle: str
    posted_ids: list[str]
    comment_posted: bool
    reconcile_since: datetime | None  # set when an earlier attempt's outcome is unknown
    scheduled_for: datetime
    # Each part's attachments, in order (with the platform's id where an earlier attempt uploaded one).
    media: tuple[tuple[attachments.PublishAttachment, ...], ...] = ()


def _due(now: datetime) -> list[ColumnElement[bool]]:
    return [
        ContentDraft.status == "scheduled",
        ContentDraft.scheduled_for <= now,
        or_(ContentDraft.next_attempt_at.is_(None), ContentDraft.next_attempt_at <= now),
    ]


def _prepare(session: Session, draft: ContentDraft, now: datetime) -> Claim | Done:
    """In the claim's transaction (the draft locked and leased): commit a `started` attempt, or fail the
    draft at once when there is nothing to post to."""
    if draft.scheduled_for is None:
        return Done("skipped")
    account = session.scalar(
        select(ConnectedAccount).where(
            ConnectedAccount.workspace_id == draft.workspace_id, ConnectedAccount.platform == draft.platform
        )
    )
    if (held := approval.hold_reason(session, draft)) is not None:
        # Never published without the approval its workspace asks for: held, and looked at again later
        # (an approval clears the hold at once).
        content_service.report_retry(draft, now + APPROVAL_HOLD, held)
        return Done("held")
    try:
        plugin = registry.get(draft.platform)
    except UnknownPlatform as exc:
        _fail(session, draft, None, f"Postwright does not publish to this platform: {exc}.", now)
        return Done("failed")
    name = plugin.display_name
    if account is None or account.status != "active":
        reason = (
            f"No {name} account is connected; connect it, then retry this post."
            if account is None
            else f"Your {name} account needs reconnecting ({account.last_error}); reconnect it, then retry."
        )
        _fail(session, draft, None, reason, now)
        return Done("failed")
    if problems := attachments.publish_problems(session, draft):
        _fail(session, draft, None, f"The draft's media do not fit {name}: {'; '.join(problems)}", now)
        return Done("failed")
    previous = session.scalar(
        select(PublishAttempt)
        .where(PublishAttempt.draft_id == draft.id)
        .order_by(PublishAttempt.number.desc())
        .limit(1)
    )
    unknown = previous is not None and previous.outcome in ("started", "retry")
    number = (previous.number if previous else 0) + 1
    attempt = PublishAttempt(
        draft_id=draft.id,
        number=number,
        outcome="started",
        posted_ids=list(previous.posted_ids) if previous is not None and unknown else [],
        comment_posted=bool(previous is not None and unknown and previous.comment_posted),
    )
    session.add(attempt)
    draft.publish_attempts = number
    session.flush()
    # A platform with threads posts each `---` part as a reply to the previous one.
    parts = split_thread(draft.content) if plugin.threads else [draft.content]
    # Attachments name their part by its place among the `---` parts.
    attached = attachments.attachments_for_publish(session, draft.id)
    media = tuple(tuple(a for a in attached if a.part == index) for index, p in enumerate(parts) if p)
    return Claim(
        draft_id=draft.id,
        attempt_id=attempt.id,
        attempt_number=number,
        user_id=draft.user_id,
        workspace_id=draft.workspace_id,
        platform=draft.platform,
        parts=[p for p in parts if p],
        first_comment=draft.first_comment if plugin.first_comment else None,
        account_id=account.id,
        author_id=account.external_user_id,
        handle=account.handle,
        posted_ids=list(attempt.posted_ids),
        comment_posted=attempt.comment_posted,
        reconcile_since=(previous.created_at - RECONCILE_WINDOW)
        if previous is not None and unknown
        else None,
        scheduled_for=draft.scheduled_for,
        media=media,
    )


def attempts_of(session: Session, draft: ContentDraft) -> list[PublishAttempt]:
    """Every publishing attempt of the draft, oldest first."""
    query = select(PublishAttempt).where(PublishAttempt.draft_id == draft.id).order_by(PublishAttempt.number)
    return list(session.scalars(query))


def _save_progress(attempt_id: uuid.UUID, posted_ids: list[str], comment_posted: bool = False) -> None:
    """Commit what is on the platform now, before anything else can fail."""
    with session_scope() as session:
        attempt = session.get(PublishAttempt, attempt_id, with_for_update=True)
        if attempt is not None:
            attempt.posted_ids, attempt.comment_posted = list(posted_ids), comment_posted


def _with_token(job: Claim, http: httpx.Client, call: Callable[[str], T]) -> T:
    """Run `call` with a fresh token; after a 401, refresh once and try again. A network failure (the
    request may or may not have reached the platform) is transient: the next attempt reconciles."""
    try:
        return _authorised(job, http, call)
    except httpx.HTTPError as exc:
        raise TransientError(f"could not reach the platform ({type(exc).__name__})") from exc


def _authorised(job: Claim, http: httpx.Client, call: Callable[[str], T]) -> T:
    token = accounts.fresh_access_token(job.account_id, http)
    try:
        return call(token)
    except AuthRejected:
        token = accounts.fresh_access_token(job.account_id, http, force=True)
        try:
            return call(token)
        except AuthRejected as exc:
            accounts.mark_needs_reauth(
                job.account_id, f"the platform refused a refreshed token ({exc.reason})"
            )
            raise


def _reconcile(job: Claim, client: PlatformClient, http: httpx.Client, posted: list[str]) -> None:
    """Find on the platform the parts an earlier attempt may have posted without hearing back."""
    assert job.reconcile_since is not None
    remote = _with_token(job, http, lambda t: client.recent_posts(t, job.author_id, job.reconcile_since))  # type: ignore[arg-type]
    for part in job.parts[len(posted) :]:
        match = next(
            (r for r in remote if r.id not in posted and normalise_text(r.text) == normalise_text(part)), None
        )
        if match is None:
            break
        logger.info("reconciled a post", extra={"draft_id": str(job.draft_id), "post_id": match.id})
        posted.append(match.id)
        _save_progress(job.attempt_id, posted)


def _save_media(job: Claim, attachment: attachments.PublishAttachment, external_id: str) -> None:
    """Commit the platform's id for an uploaded attachment before it is used: a later attempt reuses it."""
    with session_scope() as session:
        attachments.record_uploaded(session, job.draft_id, attachment.media_id, attachment.part, external_id)


def _part_media(job: Claim, client: PlatformClient, http: httpx.Client, index: int) -> list[PostMedia]:
    """The attachments of the draft's `index`-th post on the platform: each uploaded once (an id an earlier
    attempt recorded is reused), each new id committed as soon as the platform gives it."""
    found: list[PostMedia] = []
    for attachment in job.media[index] if index < len(job.media) else ():
        kind: MediaKind = "document" if attachment.kind == "document" else "image"
        upload = MediaUpload(
            kind, attachment.mime_type, attachment.read, attachment.alt_text, attachment.title
        )
        media_id = attachment.external_media_id
        if media_id is None:
            media_id = _with_token(
                job, http, partial(client.upload_media, media=upload, author_id=job.author_id)
            )
            logger.info("uploaded media", extra={"draft_id": str(job.draft_id), "media_id": media_id})
            _save_media(job, attachment, media_id)
        found.append(upload.attached(media_id))
    return found


def _post_part(
    client: PlatformClient, job: Claim, posted: list[str], media: list[PostMedia], token: str
) -> str:
    """The next part of the draft (with its media), a reply to the previous one for a thread."""
    text, reply_to = job.parts[len(posted)], posted[-1] if posted else None
    if media:
        return client.create_post(token, job.author_id, text, reply_to, media)
    return client.create_post(token, job.author_id, text, reply_to)


@dataclass(frozen=True)
class Posted:
    posted: list[str]
    url: str
    note: str | None  # the first comment's failure, when the post itself went out


# How the platform calls went: posted, or the error that stopped them.
Result = Posted | TransientError | PlatformError


def publish(job: Claim, http: httpx.Client) -> Result:
    """No transaction open: post the claimed draft (the rest of it, after a partial attempt), each
    part's id committed as soon as the platform gives it."""
    client = registry.get(job.platform).connect(get_settings(), http)
    posted = list(job.posted_ids)
    comment_posted = job.comment_posted
    try:
        if job.reconcile_since is not None and len(posted) < len(job.parts):
            _reconcile(job, client, http, posted)
        while len(posted) < len(job.parts):
            media = _part_media(job, client, http, len(posted))
            posted.append(_with_token(job, http, partial(_post_part, client, job, posted, media)))
            _save_progress(job.attempt_id, posted)
    except PlatformError as exc:  # TransientError included
        return exc
    comment_error = None
    if job.first_comment and not comment_posted:
        comment = job.first_comment
        try:
            _with_token(job, http, lambda t: client.comment(t, job.author_id, posted[0], comment))
            _save_progress(job.attempt_id, posted, comment_posted=True)
        except PlatformError as exc:
            comment_error = f"Published, but the first comment failed: {exc.reason}"
    return Posted(posted, client.post_url(job.handle, posted[0]), comment_error)


def _record(session: Session, job: Claim, result: Result, at: datetime) -> str:
    """The attempt's outcome and the draft's, reported through the content service."""
    draft = session.get(ContentDraft, job.draft_id, with_for_update=True)
    attempt = session.get(PublishAttempt, job.attempt_id)
    if isinstance(result, Posted):
        _finish_published(session, job, draft, attempt, result, at)
        return "published"
    if draft is None or attempt is None:  # deleted meanwhile
        return "skipped"
    if isinstance(result, TransientError):
        wait = BACKOFF[min(job.attempt_number, len(BACKOFF)) - 1]
        if result.retry_after is not None:
            wait = timedelta(seconds=result.retry_after + 1)
        deadline = job.scheduled_for + timedelta(seconds=get_settings().publish_deadline_seconds)
        if at + wait <= deadline:
            attempt.outcome, attempt.finished_at = "retry", at
            attempt.error, attempt.http_status = result.reason, result.http_status
            content_service.report_retry(draft, at + wait, result.reason)
            logger.info(
                "publish retries later", extra={"draft_id": str(job.draft_id), "error": result.reason}
            )
            return "retry"
        result = PermanentError(
            f"Gave up after {job.attempt_number} attempts: {result.reason}", result.http_status
        )
    _fail(session, draft, attempt, result.reason, at, result.http_status)
    logger.warning("publish failed", extra={"draft_id": str(job.draft_id), "error": result.reason})
    return "failed"


def _finish_published(
    session: Session,
    job: Claim,
    draft: ContentDraft | None,
    attempt: PublishAttempt | None,
    posted: Posted,
    at: datetime,
) -> None:
    if draft is None or attempt is None:  # deleted while posting: it is out there all the same
        return
    attempt.outcome, attempt.finished_at, attempt.error = "published", at, posted.note
    content_service.report_published(draft, at, posted.posted[0], posted.url, posted.note)
    # The same row an import of the export would update, so analytics and the models see it.
    session.execute(
        insert(UserPost)
        .values(
            user_id=job.user_id,
            platform=job.platform,
            content=draft.content,
            posted_at=at,
            external_id=posted.posted[0],
            source_format="published",
            engagement_metrics={},
        )
        .on_conflict_do_nothing(index_elements=["user_id", "platform", "external_id"])
    )
    for after in METRIC_PULLS_AFTER:
        session.execute(
            insert(MetricPull).values(draft_id=draft.id, due_at=at + after).on_conflict_do_nothing()
        )
    webhooks.emit(
        session,
        job.workspace_id,
        "post.published",
        {
            "draft_id": str(draft.id),
            "platform": job.platform,
            "external_id": posted.posted[0],
            "url": posted.url,
        },
    )
    logger.info("published", extra={"draft_id": str(job.draft_id), "attempt": job.attempt_number})


def _fail(
    session: Session,
    draft: ContentDraft,
    attempt: PublishAttempt | None,
    reason: str,
    at: datetime,
    http_status: int | None = None,
) -> None:
    if attempt is not None:
        attempt.outcome, attempt.finished_at, attempt.error, attempt.http_status = (
            "failed",
            at,
            reason,
            http_status,
        )
    content_service.report_failed(draft, reason)
    webhooks.emit(
        session,
        draft.workspace_id,
        "post.failed",
        {"draft_id": str(draft.id), "platform": draft.platform, "reason": reason},
    )


def publish_job(http: httpx.Client) -> LeasedJob[ContentDraft, Claim, Result]:
    return LeasedJob(
        name="publish-due-posts",
        table=ContentDraft,
        due=_due,
        order_by=ContentDraft.scheduled_for,
        lease_column=ContentDraft.lease_until,
        lease=LEASE,
        prepare=_prepare,
        perform=lambda job: publish(job, http),
        record=_record,
    )


def run_pass(
    now: Callable[[], datetime] = utc_now,
    limit: int = 1000,
    http: httpx.Client | None = None,
) -> dict[str, int]:
    """Publish every due draft once (see api.core.jobs: no transaction is open while the platform is
    called); counts by outcome."""
    client = http or http_client(get_settings())
    try:
        counts = publish_job(client).run_pass(now, limit)
    finally:
        if http is None:
            client.close()
    return {outcome: counts[outcome] for outcome in ("published", "retry", "failed", "skipped", "held")}
