"""Drafts and their single scheduling. Services flush; the request owns the transaction.

A draft's status only moves forward: draft -> scheduled -> published | failed. Going back to `draft` takes an
explicit unschedule (from scheduled or failed); a published post stays published. Every change bumps the
draft's `version` (SQLAlchemy's version counter): a write that names an older version, or that races with
another write, is a 409 instead of silently overwriting it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, Literal

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.exc import StaleDataError

from api.auth.models import User
from api.content import approval
from api.content.length import check_length
from api.content.models import ContentDraft
from api.content.schemas import DraftCreate, DraftUpdate
from api.core.config import get_settings
from api.core.errors import Conflict, Unprocessable
from api.core.ownership import Scope, get_owned, owned_rows
from api.core.pagination import paginate
from api.media.models import DraftMedia, MediaAsset
from api.platforms import registry
from api.workspaces import activity

Outcome = Literal["published", "failed"]

# What a new draft takes from `DraftCreate` (every field: each is a column of the draft).
_DRAFT_FIELDS = set(DraftCreate.model_fields)

# (from, to) pairs a draft may take; anything else is a 409.
_TRANSITIONS = {
    ("draft", "scheduled"),
    ("scheduled", "draft"),
    ("failed", "draft"),
    ("scheduled", "published"),
    ("scheduled", "failed"),
}


def get_owned_draft(session: Session, scope: Scope, draft_id: uuid.UUID, **options: Any) -> ContentDraft:
    """The workspace's draft, or 404 (also for another workspace's draft: its existence is not revealed)."""
    return get_owned(session, ContentDraft, scope, draft_id, "draft", **options)


def ensure_fits(platform: str, content: str, content_type: str | None) -> None:
    """422 naming every length problem when `content` does not fit the platform."""
    result = check_length(platform, content, content_type)
    if not result.valid:
        raise Unprocessable("; ".join(result.problems))


def drafts_query(
    scope: Scope,
    *,
    statuses: list[str] | None = None,
    platform: str | None = None,
    content_type: str | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
    scheduled_from: datetime | None = None,
    scheduled_to: datetime | None = None,
) -> Select[ContentDraft]:
    """The user's drafts matching the filters (`*_to` bounds are exclusive)."""
    query = owned_rows(ContentDraft, scope)
    if statuses:
        query = query.where(ContentDraft.status.in_(statuses))
    if platform is not None:
        query = query.where(ContentDraft.platform == platform)
    if content_type is not None:
        query = query.where(ContentDraft.content_type == content_type)
    bounds = (
        (ContentDraft.created_at, created_from, created_to),
        (ContentDraft.scheduled_for, scheduled_from, scheduled_to),
    )
    for column, start, end in bounds:
        if start is not None:
            query = query.where(column >= start)
        if end is not None:
            query = query.where(column < end)
    return query


def page(
    session: Session,
    query: Select[ContentDraft],
    limit: int,
    offset: int,
    *,
    by_schedule: bool = False,
) -> tuple[list[ContentDraft], int]:
    """One page of drafts (newest first, or soonest scheduled first) and the total count."""
    order = (
        (ContentDraft.scheduled_for.asc().nulls_last(), ContentDraft.id)
        if by_schedule
        else (ContentDraft.created_at.desc(), ContentDraft.id)
    )
    return paginate(session, query, order, limit, offset)


def create_draft(
    session: Session,
    scope: Scope,
    new: DraftCreate,
    *,
    template_id: uuid.UUID | None = None,
    author_id: uuid.UUID | None = None,
) -> ContentDraft:
    """A new draft (status `draft`) after checking it fits the platform and the user's quota: the one
    way a draft is made, whether written by hand, scheduled at once, generated or filled from a template
    (so a field added to `DraftCreate` reaches every one of them)."""
    ensure_fits(new.platform, new.content, new.content_type)
    quota = get_settings().max_drafts_per_user
    counted = select(func.count()).where(ContentDraft.workspace_id == scope.workspace_id)
    if (session.scalar(counted) or 0) >= quota:
        raise Conflict(f"This workspace has {quota:,} drafts, its quota; delete some first.")
    _check_first_comment(new.platform, new.first_comment)
    draft = ContentDraft(
        workspace_id=scope.workspace_id,
        user_id=author_id or scope.user_id,
        last_edited_by=scope.user_id,
        status="draft",
        template_id=template_id,
        **new.model_dump(include=_DRAFT_FIELDS),
    )
    refresh_prediction(session, draft)
    session.add(draft)
    _flush(session)
    _log(session, scope, draft, "created")
    return draft


def _log(session: Session, scope: Scope, draft: ContentDraft, action: str) -> None:
    activity.record(
        session,
        draft.workspace_id,
        scope.user_id,
        action,
        "draft",
        draft.id,
        platform=draft.platform,
        scheduled_for=draft.scheduled_for.isoformat() if draft.scheduled_for else None,
    )


def media_type(session: Session, draft_id: uuid.UUID | None) -> str | None:
    """What a draft carries besides its text, as the engagement model knows media: "document" (a LinkedIn
    document post), "image", or None (no attachment: the model treats it as it treats an export that
    does not say)."""
    if draft_id is None:
        return None
    kinds = set(
        session.scalars(
            select(MediaAsset.kind)
            .join(DraftMedia, DraftMedia.media_id == MediaAsset.id)
            .where(DraftMedia.draft_id == draft_id)
        )
    )
    return next((kind for kind in ("document", "image") if kind in kinds), None)


def refresh_prediction(session: Session, draft: ContentDraft) -> None:
    """Predict the draft's engagement (at its scheduled time, else now) and set it on the draft; the
    caller's one flush stores it with the change (one version bump).

    `ai_confidence_score` is the predicted percentile within the user's own posts, 0 to 1; both stay null
    while no prediction can be made (too little history or no model yet)."""
    from api.engagement import service as engagement_service

    user = session.get(User, draft.user_id)
    if user is None:
        return
    prediction, score = engagement_service.prediction_for_storage(
        session, user, draft.platform, draft.content, draft.scheduled_for, media_type(session, draft.id)
    )
    draft.engagement_prediction, draft.ai_confidence_score = prediction, score


def update_draft(session: Session, scope: Scope, draft_id: uuid.UUID, changes: DraftUpdate) -> ContentDraft:
    """Change text, platform, type or first comment of a draft that is not published, based on the
    version the caller read. Only the fields sent change (`content_type: null` clears the type; an empty
    `first_comment` removes it)."""
    draft = get_owned_draft(session, scope, draft_id)
    _expect_version(draft, changes.version)
    if draft.status == "published":
        raise Conflict("This post is already published; it can no longer be edited.")
    new_platform = changes.platform or draft.platform
    new_content = changes.content if changes.content is not None else draft.content
    new_type = changes.content_type if "content_type" in changes.model_fields_set else draft.content_type
    ensure_fits(new_platform, new_content, new_type)
    new_comment = draft.first_comment if changes.first_comment is None else (changes.first_comment or None)
    _check_first_comment(new_platform, new_comment)
    changed = (new_platform, new_content) != (draft.platform, draft.content)
    if changed or new_comment != draft.first_comment:
        approval.edited(draft, scope.user_id)
    draft.first_comment = new_comment
    draft.platform, draft.content, draft.content_type = new_platform, new_content, new_type
    if changed:
        refresh_prediction(session, draft)
    _flush(session)
    _log(session, scope, draft, "edited")
    return draft


def delete_draft(session: Session, scope: Scope, draft_id: uuid.UUID) -> None:
    """Delete a draft in any status (a scheduled one is thereby cancelled)."""
    draft = get_owned_draft(session, scope, draft_id)
    _log(session, scope, draft, "deleted")
    session.delete(draft)
    _flush(session)


def schedule_draft(
    session: Session,
    scope: Scope,
    draft_id: uuid.UUID,
    scheduled_for: datetime,
    *,
    version: int | None = None,
    now: datetime | None = None,
) -> ContentDraft:
    """draft -> scheduled at a future, time-zone-aware moment."""
    draft = get_owned_draft(session, scope, draft_id)
    if version is not None:
        _expect_version(draft, version)
    _move(draft, "scheduled")
    ensure_fits(draft.platform, draft.content, draft.content_type)
    approval.ensure_schedulable(session, draft)
    draft.scheduled_for = _future(scheduled_for, now)
    refresh_prediction(session, draft)
    _flush(session)
    _log(session, scope, draft, "scheduled")
    return draft


def reschedule(
    session: Session,
    scope: Scope,
    draft_id: uuid.UUID,
    scheduled_for: datetime,
    *,
    version: int,
    now: datetime | None = None,
) -> ContentDraft:
    """Move a scheduled post to another future moment."""
    draft = get_owned_draft(session, scope, draft_id)
    _expect_version(draft, version)
    if draft.status != "scheduled":
        raise Conflict(f"Only a scheduled post can be rescheduled; this one is {draft.status}.")
    draft.scheduled_for = _future(scheduled_for, now)
    refresh_prediction(session, draft)
    _flush(session)
    _log(session, scope, draft, "rescheduled")
    return draft


def unschedule(
    session: Session, scope: Scope, draft_id: uuid.UUID, *, version: int | None = None
) -> ContentDraft:
    """The explicit way back: scheduled (or failed) -> draft, keeping the text."""
    draft = get_owned_draft(session, scope, draft_id)
    if version is not None:
        _expect_version(draft, version)
    _move(draft, "draft")
    draft.scheduled_for = None
    _flush(session)
    _log(session, scope, draft, "unscheduled")
    return draft


def record_outcome(
    session: Session, scope: Scope, draft_id: uuid.UUID, outcome: Outcome, *, version: int
) -> ContentDraft:
    """scheduled -> published or failed (what the publisher, or the user posting by hand, reports)."""
    draft = get_owned_draft(session, scope, draft_id)
    _expect_version(draft, version)
    _move(draft, outcome)
    _flush(session)
    _log(session, scope, draft, f"marked_{outcome}")
    return draft


def report_published(
    draft: ContentDraft, at: datetime, external_id: str, external_url: str, note: str | None
) -> None:
    """The publisher's report: the platform has the post. What the platform says wins: a post
    unscheduled while it was being posted is published all the same."""
    if draft.status != "published":
        draft.status = "published"
    draft.published_at, draft.external_id, draft.external_url = at, external_id, external_url
    session = object_session(draft)
    if session is not None:
        activity.record(session, draft.workspace_id, None, "published", "draft", draft.id, url=external_url)
    draft.last_error, draft.lease_until, draft.next_attempt_at = note, None, None


def report_retry(draft: ContentDraft, at: datetime, reason: str) -> None:
    """The publisher's report: a transient failure; the post stays scheduled and is tried again at `at`."""
    draft.next_attempt_at, draft.lease_until = at, None
    draft.last_error = f"{reason} (trying again at {at.isoformat(timespec='seconds')})"


def report_failed(draft: ContentDraft, reason: str) -> None:
    """The publisher's report: the post cannot go out. A scheduled post becomes failed; one the user
    unscheduled meanwhile keeps its status and the reason."""
    if draft.status == "scheduled":
        _move(draft, "failed")
    draft.last_error, draft.lease_until, draft.next_attempt_at = reason, None, None
    session = object_session(draft)
    if session is not None:
        activity.record(session, draft.workspace_id, None, "publish_failed", "draft", draft.id, reason=reason)


def _check_first_comment(platform: str, first_comment: str | None) -> None:
    if first_comment is not None and not registry.get(platform).first_comment:
        where = " and ".join(plugin.display_name for plugin in registry.plugins() if plugin.first_comment)
        raise Unprocessable(
            [{"loc": ["body", "first_comment"], "msg": f"a first comment is posted on {where} only"}]
        )


def retry_failed(
    session: Session, scope: Scope, draft_id: uuid.UUID, now: datetime | None = None
) -> ContentDraft:
    """failed -> scheduled for now: the publisher picks it up on its next pass (within a minute)."""
    draft = get_owned_draft(session, scope, draft_id)
    if draft.status != "failed":
        raise Conflict(f"Only a failed post can be retried; this one is {draft.status}.")
    ensure_fits(draft.platform, draft.content, draft.content_type)
    approval.ensure_schedulable(session, draft)
    draft.status, draft.scheduled_for = "scheduled", now or datetime.now(UTC)
    draft.next_attempt_at = draft.lease_until = None
    # A retry uploads the media afresh: the platform's ids expire (X's after about a day).
    session.execute(
        update(DraftMedia)
        .where(DraftMedia.draft_id == draft.id)
        .values(external_media_id=None, uploaded_at=None)
        .execution_options(synchronize_session=False)
    )
    _flush(session)
    _log(session, scope, draft, "retried")
    return draft


def _move(draft: ContentDraft, target: str) -> None:
    if (draft.status, target) not in _TRANSITIONS:
        hint = " Unschedule it first." if target == "scheduled" and draft.status == "failed" else ""
        raise Conflict(f"A {draft.status} post cannot become {target}.{hint}")
    draft.status = target


def _future(moment: datetime, now: datetime | None) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise Unprocessable("scheduled_for needs a time zone (an offset such as +02:00, or Z).")
    current = now or datetime.now(UTC)
    if moment <= current:
        raise Unprocessable(f"scheduled_for must be in the future (it is {moment.isoformat()}).")
    return moment.astimezone(UTC)


def _expect_version(draft: ContentDraft, version: int) -> None:
    if draft.version != version:
        raise Conflict(
            f"The draft changed since you read it (version {version}, now {draft.version}); "
            "reload it and apply your change again."
        )


def _flush(session: Session) -> None:
    """Flush, turning a lost race on the version counter into a 409."""
    try:
        session.flush()
    except StaleDataError as exc:
        raise Conflict(
            "The draft was changed by another request meanwhile; reload it and try again."
        ) from exc
