"""Webhook endpoints and their delivery log."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Event = Literal[
    "draft.generated",
    "draft.submitted",
    "draft.approved",
    "draft.changes_requested",
    "post.published",
    "post.failed",
    "account.needs_reauth",
]


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(
        min_length=8,
        max_length=2000,
        pattern=(
            r"^https?://[A-Za-z0-9.-]*[A-Za-z0-9]"
            r"(:([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?"
            r"([/?#][!-~]*)?$"
        ),
        description="an http(s) URL on a public address",
    )
    events: list[Event] = Field(min_length=1, max_length=4)


class WebhookOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    url: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(
        description="signs every delivery (Postwright-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "
        "'<t>.<body>'>); shown only now"
    )


class WebhookList(BaseModel):
    items: list[WebhookOut]


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    event: str
    payload: dict[str, Any]
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    response_status: int | None
    last_error: str | None
    next_attempt_at: datetime
    delivered_at: datetime | None
    created_at: datetime


class DeliveryList(BaseModel):
    items: list[DeliveryOut]
