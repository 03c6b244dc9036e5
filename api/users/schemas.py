"""Profile, onboarding and export bodies."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth.schemas import NEW_PASSWORD_SCHEMA, PASSWORD_MAX_LENGTH, UserOut
from api.core.types import AccountEmail, OneLineText, OneLineTextOrEmpty, PersonName, TimeZoneName
from api.platforms.registry import StoredPlatformNames

# A goal is one line with at least one visible character; surrounding spaces are trimmed.
Goal = OneLineText
Tone = Literal["professional", "casual", "inspirational", "educational", "humorous", "authoritative"]


def _unique(values: list[Any]) -> list[Any]:
    return list(dict.fromkeys(values))


class ProfileUpdate(BaseModel):
    """Partial update: only the fields sent change. Email and password changes need the current password."""

    model_config = ConfigDict(extra="forbid")

    name: PersonName | None = None
    company: OneLineTextOrEmpty | None = None
    role: OneLineTextOrEmpty | None = None
    niche: OneLineTextOrEmpty | None = None
    tone: Tone | None = None
    platforms: StoredPlatformNames | None = None
    goals: list[Goal] | None = Field(default=None, max_length=10)
    timezone: TimeZoneName | None = None
    email: AccountEmail | None = None
    new_password: str | None = Field(
        default=None, max_length=PASSWORD_MAX_LENGTH, json_schema_extra=NEW_PASSWORD_SCHEMA
    )
    current_password: str | None = Field(default=None, max_length=PASSWORD_MAX_LENGTH)

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _unique(value)

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        cleaned = [goal.strip() for goal in value]
        if any(not goal or len(goal) > 200 for goal in cleaned):
            raise ValueError("each goal must be 1 to 200 characters")
        return _unique(cleaned)


class OnboardingIn(BaseModel):
    """What a new user tells us about themselves before the first draft."""

    model_config = ConfigDict(extra="forbid")

    company: OneLineText
    role: OneLineText
    niche: OneLineText
    tone: Tone
    platforms: StoredPlatformNames = Field(min_length=1)
    goals: list[Goal] = Field(min_length=1, max_length=10)
    timezone: TimeZoneName = "UTC"

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: list[str]) -> list[str]:
        return _unique(value)

    @field_validator("goals")
    @classmethod
    def _goals(cls, value: list[str]) -> list[str]:
        cleaned = [goal.strip() for goal in value]
        if any(not goal or len(goal) > 200 for goal in cleaned):
            raise ValueError("each goal must be 1 to 200 characters")
        return _unique(cleaned)


class EmailConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=200, description="the token from the confirmation e-mail")


class DeleteAccountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class UserExport(BaseModel):
    """Everything Postwright stores about a user (GDPR-style data portability)."""

    exported_at: datetime
    profile: UserOut
    posts: list[dict[str, Any]]
    drafts: list[dict[str, Any]]
    recurring_schedules: list[dict[str, Any]]
    tone_analysis: dict[str, Any] | None
