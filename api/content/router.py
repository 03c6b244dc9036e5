"""/api/content: drafts (list, create, read, edit, delete) and scheduling a draft."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from fastapi.responses import JSONResponse

from api.content import approval, service
from api.content.schemas import (
    ApprovalRequest,
    ChangesRequest,
    CommentIn,
    CommentOut,
    CommentPage,
    DraftCreate,
    DraftOut,
    DraftPage,
    DraftStatus,
    DraftUpdate,
    ScheduleRequest,
)
from api.core import idempotency
from api.core.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, responses
from api.core.pagination import MAX_OFFSET
from api.core.types import IsoDateTime
from api.deps import IdempotencyKey, SessionDep
from api.platforms.registry import PlatformParam
from api.workspaces.deps import CommentScope, ReadScope, ReviewScope, WriteScope

# Every operation here acts in a workspace: one the caller is not a member of is a 404, a right their role
# lacks a 403.
router = APIRouter(
    prefix="/api/content", tags=["content"], responses=responses(Unauthorized, Forbidden, NotFound)
)


@router.get("/drafts", response_model=DraftPage, responses=responses(Unprocessable))
def list_drafts(
    scope: ReadScope,
    session: SessionDep,
    status_: Annotated[list[DraftStatus] | None, Query(alias="status")] = None,
    platform: Annotated[PlatformParam | None, Query(description="a registered platform or alias")] = None,
    content_type: Annotated[str | None, Query(max_length=50)] = None,
    created_from: Annotated[IsoDateTime | None, Query(alias="from")] = None,
    created_to: Annotated[IsoDateTime | None, Query(alias="to", description="exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> DraftPage:
    """Your drafts, newest first: filter by status (repeatable), platform, content type, creation dates."""
    query = service.drafts_query(
        scope,
        statuses=list(status_) if status_ else None,
        platform=platform,
        content_type=content_type,
        created_from=created_from,
        created_to=created_to,
    )
    drafts, total = service.page(session, query, limit, offset)
    return DraftPage(
        items=[DraftOut.model_validate(d) for d in drafts], total=total, limit=limit, offset=offset
    )


@router.post(
    "/drafts",
    response_model=DraftOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(Conflict, Unprocessable),
)
def create_draft(
    body: DraftCreate, scope: WriteScope, session: SessionDep, key: IdempotencyKey = None
) -> DraftOut | JSONResponse:
    """Write a draft by hand. It must fit the platform (X: 280 weighted characters a tweet). With an
    `Idempotency-Key`, a retry returns the first answer and creates no second draft."""
    print_ = idempotency.fingerprint("POST /api/content/drafts", body.model_dump_json().encode())
    if (stored := idempotency.replay(session, scope.user_id, key, print_)) is not None:
        return JSONResponse(stored.body, status_code=stored.status_code)
    draft = service.create_draft(session, scope, body)
    out = DraftOut.model_validate(draft)
    idempotency.remember(
        session, scope.user_id, key, print_, status.HTTP_201_CREATED, out.model_dump(mode="json")
    )
    return out


@router.get("/drafts/{draft_id}", response_model=DraftOut, responses=responses(NotFound))
def get_draft(draft_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> DraftOut:
    """One of your drafts (another user's is a 404)."""
    return DraftOut.model_validate(service.get_owned_draft(session, scope, draft_id))


@router.put(
    "/drafts/{draft_id}", response_model=DraftOut, responses=responses(NotFound, Conflict, Unprocessable)
)
def update_draft(draft_id: uuid.UUID, body: DraftUpdate, scope: WriteScope, session: SessionDep) -> DraftOut:
    """Partial edit. The text must fit the platform: X 280 weighted characters (or a thread of valid tweets
    separated by `---` lines, content_type `thread`), LinkedIn 3,000. A stale `version` or a published
    post is a 409."""
    draft = service.update_draft(session, scope, draft_id, body)
    return DraftOut.model_validate(draft)


@router.delete("/drafts/{draft_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def delete_draft(draft_id: uuid.UUID, scope: WriteScope, session: SessionDep) -> Response:
    """Delete a draft; a scheduled one is cancelled with it."""
    service.delete_draft(session, scope, draft_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/schedule", response_model=DraftOut, responses=responses(NotFound, Conflict, Unprocessable))
def schedule(body: ScheduleRequest, scope: WriteScope, session: SessionDep) -> DraftOut:
    """Schedule a draft for a future, time-zone-aware moment (draft -> scheduled). Scheduling a post that is
    not a draft is a 409; a past time or one without an offset is a 422."""
    draft = service.schedule_draft(session, scope, body.draft_id, body.scheduled_for, version=body.version)
    return DraftOut.model_validate(draft)


@router.post(
    "/drafts/{draft_id}/submit",
    response_model=DraftOut,
    responses=responses(NotFound, Conflict, Unprocessable),
)
def submit_draft(
    draft_id: uuid.UUID, body: ApprovalRequest, scope: WriteScope, session: SessionDep
) -> DraftOut:
    """Ask the workspace's reviewers to approve this version (none or changes_requested -> submitted)."""
    return DraftOut.model_validate(approval.submit(session, scope, draft_id, body.version))


@router.post(
    "/drafts/{draft_id}/approve",
    response_model=DraftOut,
    responses=responses(NotFound, Conflict, Unprocessable),
)
def approve_draft(
    draft_id: uuid.UUID, body: ApprovalRequest, scope: ReviewScope, session: SessionDep
) -> DraftOut:
    """Approve a submitted draft (reviewers and owners). Where the workspace asks for two people, the
    draft's author and last editor cannot approve it (403)."""
    return DraftOut.model_validate(approval.approve(session, scope, draft_id, body.version))


@router.post(
    "/drafts/{draft_id}/request-changes",
    response_model=DraftOut,
    responses=responses(NotFound, Conflict, Unprocessable),
)
def request_changes(
    draft_id: uuid.UUID, body: ChangesRequest, scope: ReviewScope, session: SessionDep
) -> DraftOut:
    """Send a submitted or approved draft back with a comment saying what to change."""
    return DraftOut.model_validate(
        approval.request_changes(session, scope, draft_id, body.version, body.comment)
    )


@router.get("/drafts/{draft_id}/comments", response_model=CommentPage, responses=responses(Unprocessable))
def list_comments(
    draft_id: uuid.UUID,
    scope: ReadScope,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> CommentPage:
    """The draft's comments, oldest first."""
    rows, total = approval.comments(session, scope, draft_id, limit, offset)
    return CommentPage(
        items=[CommentOut.model_validate(r) for r in rows], total=total, limit=limit, offset=offset
    )


@router.post(
    "/drafts/{draft_id}/comments",
    response_model=CommentOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(Unprocessable),
)
def add_comment(draft_id: uuid.UUID, body: CommentIn, scope: CommentScope, session: SessionDep) -> CommentOut:
    """Comment on a draft (editors, reviewers and owners)."""
    return CommentOut.model_validate(approval.add_comment(session, scope, draft_id, body.body))
