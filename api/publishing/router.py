"""Publishing as the user sees it: attempts, retry, the posting queue and its slots."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.content import service as content
from api.content.schemas import DraftOut
from api.core.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, responses
from api.deps import CurrentUser, SessionDep
from api.platforms.registry import PlatformParam
from api.publishing import publisher, queue
from api.publishing.schemas import (
    AttemptList,
    AttemptOut,
    QueueRequest,
    SlotIn,
    SlotList,
    SlotOut,
    SuggestionList,
    SuggestionOut,
)
from api.workspaces.deps import ReadScope, WriteScope

router = APIRouter(tags=["publishing"], responses=responses(Unauthorized, Forbidden, NotFound))


@router.get(
    "/api/content/drafts/{draft_id}/attempts", response_model=AttemptList, responses=responses(NotFound)
)
def attempts(draft_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> AttemptList:
    """Every publishing attempt of one of your drafts, oldest first, with the platform's answer."""
    rows = publisher.attempts_of(session, content.get_owned_draft(session, scope, draft_id))
    return AttemptList(items=[AttemptOut.model_validate(row) for row in rows])


@router.post(
    "/api/content/drafts/{draft_id}/retry",
    response_model=DraftOut,
    responses=responses(NotFound, Conflict, Unprocessable),
)
def retry(draft_id: uuid.UUID, scope: WriteScope, session: SessionDep) -> DraftOut:
    """Publish a failed post again now (it becomes scheduled; the publisher takes it within a minute).
    A post that is not failed is a 409."""
    return DraftOut.model_validate(content.retry_failed(session, scope, draft_id))


@router.post(
    "/api/content/drafts/{draft_id}/queue",
    response_model=DraftOut,
    responses=responses(NotFound, Conflict, Unprocessable),
)
def add_to_queue(
    draft_id: uuid.UUID,
    user: CurrentUser,
    scope: WriteScope,
    session: SessionDep,
    body: QueueRequest | None = None,
) -> DraftOut:
    """Schedule a draft at its platform's next free posting slot (409 when you have no slots)."""
    draft = queue.add_to_queue(session, scope, user, draft_id, body.version if body else None)
    return DraftOut.model_validate(draft)


@router.get("/api/queue/slots", response_model=SlotList, responses=responses(Unprocessable))
def list_slots(
    user: CurrentUser,
    scope: ReadScope,
    session: SessionDep,
    platform: Annotated[PlatformParam | None, Query(description="a registered platform or alias")] = None,
) -> SlotList:
    """Your weekly posting slots (local times in your profile's zone)."""
    rows = queue.slots(session, scope, platform)
    return SlotList(items=[SlotOut.model_validate(row) for row in rows], timezone=user.timezone)


@router.post(
    "/api/queue/slots",
    response_model=SlotOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(Conflict, Unprocessable),
)
def create_slot(body: SlotIn, scope: WriteScope, session: SessionDep) -> SlotOut:
    """Add a weekly slot: a weekday (0 = Sunday) and a local time. It keeps its local time across
    daylight-saving changes. The same slot twice is a 409."""
    return SlotOut.model_validate(queue.add_slot(session, scope, body))


@router.delete(
    "/api/queue/slots/{slot_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound)
)
def delete_slot(slot_id: uuid.UUID, scope: WriteScope, session: SessionDep) -> Response:
    """Remove a slot; posts already scheduled in it stay scheduled."""
    queue.delete_slot(session, scope, slot_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/api/queue/suggestions", response_model=SuggestionList, responses=responses(Unprocessable))
def suggest_slots(
    user: CurrentUser,
    scope: ReadScope,
    session: SessionDep,
    platform: Annotated[PlatformParam, Query(description="a registered platform or alias")],
) -> SuggestionList:
    """Slots taken from your own best weekdays and hour (the insights, with their intervals)."""
    found = queue.suggestions(session, scope, user, platform)
    return SuggestionList(items=[SuggestionOut(day_of_week=d, time=t, reason=r) for d, t, r in found])
