"""Connected accounts as the API shows them (never their tokens)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class AccountOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    platform: str
    handle: str = Field(
        description="the member's name on the platform (the X username, the LinkedIn member's name)"
    )
    status: Literal["active", "needs_reauth"] = Field(
        description="needs_reauth: the platform revoked or expired the grant; connect the platform again"
    )
    last_error: str | None = Field(description="why the account needs reconnecting, in plain words")
    token_expires_at: datetime | None
    created_at: datetime
    updated_at: datetime


class AccountList(BaseModel):
    items: list[AccountOut]


class ConnectOut(BaseModel):
    authorization_url: str = Field(
        description="send the user's browser here; the platform sends it back to the callback"
    )
