"""/api/webhooks: signed event notifications to your own endpoints, with a delivery log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.core.errors import Conflict, NotFound, Unauthorized, Unprocessable, responses
from api.deps import CurrentUser, SessionDep
from api.webhooks import service
from api.webhooks.schemas import DeliveryList, DeliveryOut, WebhookCreated, WebhookIn, WebhookList, WebhookOut

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"], responses=responses(Unauthorized))


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(Conflict, Unprocessable),
)
def create(body: WebhookIn, user: CurrentUser, session: SessionDep) -> WebhookCreated:
    """Register an endpoint for events. Its signing secret is in this answer only. A URL on a private,
    loopback or link-local address is refused (422)."""
    hook, secret = service.create(session, user.id, body.url, list(body.events))
    return WebhookCreated.model_validate(WebhookOut.model_validate(hook).model_dump() | {"secret": secret})


@router.get("", response_model=WebhookList)
def list_webhooks(user: CurrentUser, session: SessionDep) -> WebhookList:
    """Your webhook endpoints (never their secrets)."""
    return WebhookList(items=[WebhookOut.model_validate(row) for row in service.list_owned(session, user.id)])


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def delete(webhook_id: uuid.UUID, user: CurrentUser, session: SessionDep) -> Response:
    """Remove an endpoint and its delivery log."""
    service.delete(session, user.id, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryList, responses=responses(NotFound))
def deliveries(
    webhook_id: uuid.UUID,
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryList:
    """The endpoint's latest deliveries, newest first: status, tries, the endpoint's answer."""
    rows = service.latest_deliveries(session, user.id, webhook_id, limit)
    return DeliveryList(items=[DeliveryOut.model_validate(row) for row in rows])
