"""/api/posts: import a post history (X/LinkedIn exports or JSON), list and delete posts."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated, cast

from fastapi import APIRouter, File, Form, Query, Response, UploadFile, status
from fastapi.responses import JSONResponse

from api.core import idempotency
from api.core.errors import (
    NotFound,
    PayloadTooLarge,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
    responses,
)
from api.core.pagination import MAX_OFFSET
from api.core.types import IsoDateTime
from api.deps import CurrentUser, IdempotencyKey, SessionDep, SettingsDep
from api.engagement import service as engagement_service
from api.history.importers import ImportFormat
from api.platforms.registry import PlatformParam
from api.posts import service
from api.posts.schemas import ImportResultOut, PostOut, PostPage, RejectedRowOut, ToneAnalysisOutcome
from api.voice import service as voice_service

logger = logging.getLogger("postwright.posts")

router = APIRouter(prefix="/api/posts", tags=["posts"], responses=responses(Unauthorized))


@router.post(
    "/import",
    response_model=ImportResultOut,
    responses=responses(PayloadTooLarge, UnsupportedMediaType, Unprocessable),
)
def import_posts(
    user: CurrentUser,
    session: SessionDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File(description="The export: CSV (X Analytics, LinkedIn) or JSON.")],
    declared_format: Annotated[
        ImportFormat | None,
        Form(alias="format", description="Skip detection and read the file as this format."),
    ] = None,
    as_of: Annotated[
        IsoDateTime | None,
        Form(description="When the export was made; relative dates ('3 months ago') count back from it."),
    ] = None,
    followers: Annotated[
        int | None,
        Form(
            ge=0,
            le=2_147_483_647,
            description="Your follower count, for rows whose export has none (X exports never do).",
        ),
    ] = None,
    key: IdempotencyKey = None,
) -> ImportResultOut | JSONResponse:
    """Import past posts with their engagement.

    Formats (detected from the header): the X/Twitter Analytics tweets CSV, an X API tweet archive CSV,
    LinkedIn's `Shares.csv`, a LinkedIn per-post creator-analytics CSV, the Kaggle LinkedIn-influencers
    schema, and a JSON list of `{platform, content, posted_at, likes, comments, shares, impressions?,
    followers?, external_id?}`. Posts already imported are updated, not duplicated; bad rows are listed
    with their line and reason while the good rows are stored. 413 above the configured size, 415 for a
    file that is not CSV or JSON, 422 for an unrecognised or malformed one.
    """
    size = file.size if file.size is not None else _measure(file)
    if size > settings.import_max_bytes:
        raise PayloadTooLarge(
            f"The file is {size} bytes; the import limit is {settings.import_max_bytes} bytes."
        )
    print_ = ""
    if key is not None:
        fields = f"{declared_format}|{as_of}|{followers}".encode()
        print_ = idempotency.fingerprint("POST /api/posts/import", fields + b"\0" + file.file.read())
        file.file.seek(0)
        if (stored := idempotency.replay(session, user.id, key, print_)) is not None:
            return JSONResponse(stored.body, status_code=stored.status_code)
    result = service.import_posts(
        session, user.id, file.file, declared_format=declared_format, as_of=as_of, default_followers=followers
    )
    # Committed here, not after the handler: the posts must be stored before the analysis starts, and the
    # response says whether it did (the request dependency's own commit is then a no-op).
    session.commit()
    if result.tone_analysis_run is not None:
        # Recorded once started, committed with the rest of this request: the user's runs and what is
        # pending are answered from the database.
        voice_service.record_run(session, user.id, result.tone_analysis_run)
    if result.imported:
        _start_first_engagement_training(session)
    out = _import_out(result)
    # Stored after the posts commit, once the answer is final: a retry that races the first request at
    # worst imports again, which stores nothing twice (posts dedupe by id or text).
    idempotency.remember(session, user.id, key, print_, status.HTTP_200_OK, out.model_dump(mode="json"))
    return out


def _import_out(result: service.ImportResult) -> ImportResultOut:
    return ImportResultOut(
        format=result.format,
        imported=result.imported,
        updated=result.updated,
        skipped_duplicates=result.skipped_duplicates,
        rejected_count=result.rejected_count,
        rejected=[RejectedRowOut(line=row.line, reason=row.reason) for row in result.rejected],
        tone_analysis=cast(ToneAnalysisOutcome, result.tone_analysis),
    )


def _start_first_engagement_training(session: SessionDep) -> None:
    """Cold start: the first import that brings the database to enough posts trains the first model.
    A failure to start it is logged: the posts are stored and the nightly run will train it."""
    try:
        engagement_service.maybe_start_training(session)
    except Exception:
        logger.exception("could not start the first engagement model training")


def _measure(file: UploadFile) -> int:
    file.file.seek(0, 2)
    size = file.file.tell()
    file.file.seek(0)
    return size


@router.get("", response_model=PostPage, responses=responses(Unprocessable))
def list_posts(
    user: CurrentUser,
    session: SessionDep,
    platform: Annotated[PlatformParam | None, Query(description="a registered platform or alias")] = None,
    posted_from: Annotated[IsoDateTime | None, Query(alias="from")] = None,
    posted_to: Annotated[IsoDateTime | None, Query(alias="to", description="exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> PostPage:
    """The signed-in user's posts, newest first, with filters and the total count."""
    posts, total = service.list_posts(
        session,
        user.id,
        platform=platform,
        posted_from=posted_from,
        posted_to=posted_to,
        limit=limit,
        offset=offset,
    )
    return PostPage(
        items=[PostOut.model_validate(post) for post in posts], total=total, limit=limit, offset=offset
    )


@router.delete("/{post_id:uuid}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def delete_post(post_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    """Delete one of your posts (another user's post is a 404)."""
    service.delete_post(session, user.id, post_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
