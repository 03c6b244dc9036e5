"""/api/webhooks: signed event notifications to your own endpoints, with a delivery log."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from api.core.errors import Conflict, Forbidden, NotFound, Unauthorized, Unprocessable, responses
from api.deps import SessionDep
from api.webhooks import service
from api.webhooks.schemas import DeliveryList, DeliveryOut, WebhookCreated, WebhookIn, WebhookList, WebhookOut
from api.workspaces.deps import AdminScope

router = APIRouter(
    prefix="/api/webhooks", tags=["webhooks"], responses=responses(Unauthorized, Forbidden, NotFound)
)


@router.post(
    "",
    response_model=WebhookCreated,
    status_code=status.HTTP_201_CREATED,
    responses=responses(Conflict, Unprocessable),
)
def create(body: WebhookIn, scope: AdminScope, session: SessionDep) -> WebhookCreated:
    """Register an endpoint for events. Its signing secret is in this answer only. A URL on a private,
    loopback or link-local address is refused (422)."""
    hook, secret = service.create(session, scope, body.url, list(body.events))
    return WebhookCreated.model_validate(WebhookOut.model_validate(hook).model_dump() | {"secret": secret})


@router.get("", response_model=WebhookList)
def list_webhooks(scope: AdminScope, session: SessionDep) -> WebhookList:
    """Your webhook endpoints (never their secrets)."""
    return WebhookList(items=[WebhookOut.model_validate(row) for row in service.list_owned(session, scope)])


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, responses=responses(NotFound))
def delete(webhook_id: uuid.UUID, scope: AdminScope, session: SessionDep) -> Response:
    """Remove an endpoint and its delivery log."""
    service.delete(session, scope, webhook_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{webhook_id}/deliveries", response_model=DeliveryList, responses=responses(NotFound))
def deliveries(
    webhook_id: uuid.UUID,
    scope: AdminScope,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> DeliveryList:
    """The endpoint's latest deliveries, newest first: status, tries, the endpoint's answer."""
    rows = service.latest_deliveries(session, scope, webhook_id, limit)
    return DeliveryList(items=[DeliveryOut.model_validate(row) for row in rows])
