"""/api/schedules: single scheduled posts and recurring schedules."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from api.content import service as content_service
from api.content.schemas import DraftOut
from api.core.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, responses
from api.core.pagination import MAX_OFFSET
from api.core.types import IsoDateTime
from api.deps import CurrentUser, SessionDep
from api.platforms.registry import PlatformParam
from api.schedules import service
from api.schedules.schemas import (
    RecurringCreate,
    RecurringOut,
    RecurringPage,
    RecurringUpdate,
    ScheduledPostCreate,
    ScheduledPostPage,
    ScheduledPostUpdate,
)
from api.workspaces.deps import ReadScope, WriteScope

router = APIRouter(
    prefix="/api/schedules", tags=["schedules"], responses=responses(Unauthorized, Forbidden, NotFound)
)

ScheduledStatus = Literal["scheduled", "published", "failed"]


# ---- single scheduled posts ------------------------------------------------------------------------


@router.get("/posts", response_model=ScheduledPostPage, responses=responses(Unprocessable))
def list_scheduled_posts(
    scope: ReadScope,
    session: SessionDep,
    status_: Annotated[list[ScheduledStatus] | None, Query(alias="status")] = None,
    platform: Annotated[PlatformParam | None, Query(description="a registered platform or alias")] = None,
    scheduled_from: Annotated[IsoDateTime | None, Query(alias="from")] = None,
    scheduled_to: Annotated[IsoDateTime | None, Query(alias="to", description="exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> ScheduledPostPage:
    """Your scheduled posts, soonest first (by default scheduled, published and failed ones)."""
    query = content_service.drafts_query(
        scope,
        statuses=list(status_ or ("scheduled", "published", "failed")),
        platform=platform,
        scheduled_from=scheduled_from,
        scheduled_to=scheduled_to,
    )
    drafts, total = content_service.page(session, query, limit, offset, by_schedule=True)
    return ScheduledPostPage(
        items=[DraftOut.model_validate(d) for d in drafts], total=total, limit=limit, offset=offset
    )


@router.post(
    "/posts",
    response_model=DraftOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(NotFound, Conflict, Unprocessable),
)
def create_scheduled_post(body: ScheduledPostCreate, scope: WriteScope, session: SessionDep) -> DraftOut:
    """Schedule a draft (`draft_id`), or write and schedule a post at once. The time must be in the future
    and carry an offset; the text must fit the platform."""
    draft_id = body.draft_id
    if draft_id is None:
        draft_id = content_service.create_draft(session, scope, body.new_draft()).id
    draft = content_service.schedule_draft(session, scope, draft_id, body.scheduled_for, version=body.version)
    return DraftOut.model_validate(draft)


@router.get("/posts/{draft_id}", response_model=DraftOut, responses=responses(NotFound))
def get_scheduled_post(draft_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> DraftOut:
    """One of your posts, whatever its status."""
    return DraftOut.model_validate(content_service.get_owned_draft(session, scope, draft_id))


@router.put(
    "/posts/{draft_id}", response_model=DraftOut, responses=responses(NotFound, Conflict, Unprocessable)
)
def update_scheduled_post(
    draft_id: uuid.UUID, body: ScheduledPostUpdate, scope: WriteScope, session: SessionDep
) -> DraftOut:
    """Reschedule (`scheduled_for`) or record the outcome (`status`: published or failed). Only a scheduled
    post can change; a stale `version` is a 409."""
    if body.scheduled_for is not None:
        draft = content_service.reschedule(session, scope, draft_id, body.scheduled_for, version=body.version)
    else:
        assert body.status is not None  # the schema requires one of the two
        draft = content_service.record_outcome(session, scope, draft_id, body.status, version=body.version)
    return DraftOut.model_validate(draft)


@router.delete("/posts/{draft_id}", response_model=DraftOut, responses=responses(NotFound, Conflict))
def unschedule_post(
    draft_id: uuid.UUID,
    scope: WriteScope,
    session: SessionDep,
    version: Annotated[int | None, Query(ge=1, description="If sent, must match the post's version.")] = None,
) -> DraftOut:
    """Unschedule: the post goes back to being a draft (from scheduled or failed; published stays)."""
    return DraftOut.model_validate(content_service.unschedule(session, scope, draft_id, version=version))


# ---- recurring schedules ---------------------------------------------------------------------------


@router.get("/recurring", response_model=RecurringPage, responses=responses(Unprocessable))
def list_recurring(
    scope: ReadScope,
    session: SessionDep,
    active: bool | None = None,
    platform: Annotated[PlatformParam | None, Query(description="a registered platform or alias")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> RecurringPage:
    """Your recurring schedules, the next to fire first (paused ones last)."""
    query = service.schedules_query(scope, active=active, platform=platform)
    schedules, total = service.page(session, query, limit, offset)
    return RecurringPage(
        items=[RecurringOut.model_validate(s) for s in schedules], total=total, limit=limit, offset=offset
    )


@router.post(
    "/recurring",
    response_model=RecurringOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(NotFound, Unprocessable),
)
def create_recurring(
    body: RecurringCreate, user: CurrentUser, scope: WriteScope, session: SessionDep
) -> RecurringOut:
    """A recurring slot on a weekday at a local time (in your profile's zone unless `timezone` is sent);
    the server computes `next_generation`, correct across daylight-saving changes and month ends."""
    schedule = service.create_schedule(session, scope, user.timezone, body)
    return RecurringOut.model_validate(schedule)


@router.get("/recurring/{schedule_id}", response_model=RecurringOut, responses=responses(NotFound))
def get_recurring(schedule_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> RecurringOut:
    return RecurringOut.model_validate(service.get_owned_schedule(session, scope, schedule_id))


@router.put(
    "/recurring/{schedule_id}", response_model=RecurringOut, responses=responses(NotFound, Unprocessable)
)
def update_recurring(
    schedule_id: uuid.UUID, body: RecurringUpdate, scope: WriteScope, session: SessionDep
) -> RecurringOut:
    """Partial update. `active: false` pauses (no next firing), `active: true` resumes from now; changing
    the weekday, time, zone or frequency recomputes the next firing."""
    return RecurringOut.model_validate(service.update_schedule(session, scope, schedule_id, body))


@router.delete(
    "/recurring/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound)
)
def delete_recurring(schedule_id: uuid.UUID, scope: WriteScope, session: SessionDep) -> Response:
    service.delete_schedule(session, scope, schedule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
