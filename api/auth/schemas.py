"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import JsonDict  # type: ignore[attr-defined]

from api.core.types import STRIPPED_SPACE, AccountEmail, PersonName

# argon2 would happily hash megabytes; cap what a client can make us hash.
PASSWORD_MAX_LENGTH = 256
# What a new password must look like, as the document shows it (PASSWORD_MIN_LENGTH can raise the minimum;
# it may also not be the email address): no white space at either end, as the check (strip()) reads it.
NEW_PASSWORD_SCHEMA: JsonDict = {
    "minLength": 10,
    "pattern": rf"^[^{STRIPPED_SPACE}][\s\S]*[^{STRIPPED_SPACE}]$",
}


class RegisterIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: AccountEmail
    password: str = Field(
        max_length=PASSWORD_MAX_LENGTH,
        description="at least 10 characters, no space at either end, not the email address",
        json_schema_extra=NEW_PASSWORD_SCHEMA,
    )
    name: PersonName = Field(description="any name you go by, in any script (one line, 200 characters)")


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Any string: an address that is not an account's is the same 401 as a wrong password.
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class RefreshIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    refresh_token: str = Field(min_length=1, max_length=512)


class TokenPair(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires.")


class SessionOut(BaseModel):
    """A browser session: the access token in the body, the refresh token only in an HttpOnly cookie."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int = Field(description="Seconds until the access token expires.")
    refresh_expires_in: int = Field(description="Seconds until the session cookie's refresh token expires.")


class UserOut(BaseModel):
    """A user as the API shows it: never the password hash."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    company: str | None
    role: str | None
    niche: str | None
    tone: str | None
    platforms: list[str]
    goals: list[str]
    timezone: str
    pending_email: str | None = Field(
        default=None, description="a new address waiting for its confirmation link to be used"
    )
    onboarded: bool
    created_at: datetime
    updated_at: datetime
