"""Posts: importing a history, listing and deleting posts. Services flush; the caller owns the transaction."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import BinaryIO

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from api.analytics import audit
from api.core.config import get_settings
from api.core.errors import Unprocessable, UnsupportedMediaType
from api.core.ownership import get_owned
from api.history import queries
from api.history.importers import (
    ImportFileError,
    ImportFormat,
    NotCsvOrJson,
    PostBatch,
    RejectedRow,
    open_import,
)
from api.history.models import UserPost
from api.voice import service as voice_service

logger = logging.getLogger("postwright.posts")

# The response lists this many rejected rows in full; the count covers all of them.
MAX_REJECTED_LISTED = 1000


@dataclass(slots=True)
class ImportResult:
    """Counts of one import; imported + updated + skipped_duplicates + rejected_count = data rows."""

    format: ImportFormat
    imported: int = 0
    updated: int = 0
    skipped_duplicates: int = 0
    rejected_count: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    # "pending" until the caller commits; then "started", "waiting_for_model" (started, and waiting for the
    # first tone model) or "failed_to_start". "not_needed": nothing changed.
    tone_analysis: str = "not_needed"
    # The run started after the commit; the caller records it as the user's (`voice_service.record_run`).
    tone_analysis_run: voice_service.StartedRun | None = None


def import_posts(
    session: Session,
    user_id: uuid.UUID,
    stream: BinaryIO,
    *,
    declared_format: ImportFormat | None = None,
    as_of: datetime | None = None,
    default_followers: int | None = None,
    analyse_tone: bool = True,
) -> ImportResult:
    """Parse an export and upsert its posts for the user; bad rows are reported, good rows kept.

    A file that is not CSV/JSON is a 415; an unrecognised or malformed one a 422. When posts were added or
    changed and `analyse_tone` is set, a tone analysis starts once the caller commits.
    """
    try:
        reader = open_import(stream, declared_format, as_of=as_of, default_followers=default_followers)
        result = ImportResult(format=reader.format)
        stored = int(session.scalar(select(func.count()).where(UserPost.user_id == user_id)) or 0)
        room = max(0, get_settings().max_posts_per_user - stored)
        counts = queries.bulk_upsert(
            session, user_id, reader.format.value, _keep_posts(reader.batches, result, room)
        )
    except NotCsvOrJson as exc:
        raise UnsupportedMediaType(str(exc)) from exc
    except ImportFileError as exc:
        raise Unprocessable(str(exc)) from exc
    result.imported = counts.inserted
    result.updated = counts.updated
    if counts.inserted or counts.updated:
        audit.record_outcomes(session, user_id)
    result.skipped_duplicates = counts.received - counts.inserted - counts.updated
    if analyse_tone and (result.imported or result.updated):
        request_tone_analysis_after_commit(session, user_id, result)
    logger.info(
        "posts imported",
        extra={
            "user_id": str(user_id),
            "format": result.format.value,
            "imported": result.imported,
            "updated": result.updated,
            "skipped_duplicates": result.skipped_duplicates,
            "rejected": result.rejected_count,
        },
    )
    return result


def _keep_posts(batches: Iterator[PostBatch], result: ImportResult, room: int) -> Iterator[PostBatch]:
    """Pass parsed posts on to the database (at most `room`, the user's quota left) and tally the rejected
    rows on the way, in line order."""
    for batch in batches:
        over_quota: list[RejectedRow] = []
        if len(batch) > room:
            quota = get_settings().max_posts_per_user
            reason = f"over your quota of {quota:,} posts; delete some first"
            over_quota = [RejectedRow(line, reason) for line in batch.lines[room:]]
            batch = batch.head(room)
        room -= len(batch)
        rejected = batch.rejected
        if over_quota:
            rejected = sorted([*rejected, *over_quota], key=attrgetter("line"))
        _reject(result, rejected)
        yield batch


def _reject(result: ImportResult, rows: list[RejectedRow]) -> None:
    result.rejected_count += len(rows)
    unlisted = MAX_REJECTED_LISTED - len(result.rejected)
    if unlisted > 0:
        result.rejected.extend(rows[:unlisted])


def request_tone_analysis_after_commit(session: Session, user_id: uuid.UUID, result: ImportResult) -> None:
    """After the import's transaction commits, start a tone analysis of the user's updated history.

    It waits for the commit so the analysis sees the new posts, and is dropped if the import rolls back.
    A failure to start it is logged and recorded in `result.tone_analysis`, not raised: the posts are
    already stored, and the user can ask for the analysis again (POST /api/users/analyze-posts).
    """

    pending = [user_id]  # emptied by whichever comes first: the commit or a rollback
    result.tone_analysis = "pending"

    def start(_: Session) -> None:
        if not pending:
            return
        pending.clear()
        try:
            run = voice_service.start_tone_analysis(user_id)
        except Exception:
            result.tone_analysis = "failed_to_start"
            logger.exception(
                "could not start the tone analysis after an import", extra={"user_id": str(user_id)}
            )
            return
        result.tone_analysis = "started" if run.status == "queued" else run.status
        result.tone_analysis_run = run
        logger.info(
            "tone analysis started",
            extra={"user_id": str(user_id), "flow_run_id": str(run.flow_run_id), "status": run.status},
        )

    def cancel(_: Session) -> None:
        if pending:
            result.tone_analysis = "not_needed"
        pending.clear()

    # Listeners cannot be removed while their event runs; they stay with the session and do nothing more.
    event.listen(session, "after_commit", start)
    event.listen(session, "after_rollback", cancel)


def get_owned_post(session: Session, user_id: uuid.UUID, post_id: uuid.UUID) -> UserPost:
    """The user's post, or 404 (also for another user's post: its existence is not revealed)."""
    return get_owned(session, UserPost, user_id, post_id, "post")


def delete_post(session: Session, user_id: uuid.UUID, post_id: uuid.UUID) -> None:
    """Delete one of the user's posts."""
    session.delete(get_owned_post(session, user_id, post_id))
    session.flush()


def list_posts(
    session: Session,
    user_id: uuid.UUID,
    *,
    platform: str | None,
    posted_from: datetime | None,
    posted_to: datetime | None,
    limit: int,
    offset: int,
) -> tuple[list[UserPost], int]:
    """A page of the user's posts, newest first, and how many match in total."""
    query = queries.posts_query(user_id, platform, posted_from, posted_to)
    return queries.page_of_posts(session, query, limit, offset)
