"""Bodies of the workspace, member, invitation and activity endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool

from api.core.types import AccountEmail, OneLineText

Role = Literal["owner", "editor", "reviewer", "viewer"]
ApprovalRule = Literal["any_reviewer", "two_people"]
Color = str
HEX_COLOR = r"^#[0-9a-fA-F]{6}$"


class BrandColors(BaseModel):
    model_config = ConfigDict(extra="forbid")

    background: str = Field(pattern=HEX_COLOR)
    text: str = Field(pattern=HEX_COLOR)
    accent: str = Field(pattern=HEX_COLOR)


class WorkspaceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OneLineText


class WorkspaceUpdate(BaseModel):
    """Only the fields sent change."""

    model_config = ConfigDict(extra="forbid")

    name: OneLineText | None = None
    needs_approval: StrictBool | None = Field(
        default=None, description="posts are scheduled and published only once a reviewer approved them"
    )
    approval_rule: ApprovalRule | None = Field(
        default=None,
        description="any_reviewer: any reviewer or owner approves; two_people: not the draft's author nor "
        "its last editor",
    )
    brand_colors: BrandColors | None = None


class WorkspaceOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    personal: bool = Field(description="your personal workspace: yours alone, deleted with your account")
    role: Role = Field(description="your role here")
    needs_approval: bool
    approval_rule: ApprovalRule
    brand_colors: BrandColors
    created_at: datetime


class WorkspaceList(BaseModel):
    items: list[WorkspaceOut]


class MemberOut(BaseModel):
    user_id: uuid.UUID
    name: str
    email: str
    role: Role
    joined_at: datetime


class MemberList(BaseModel):
    items: list[MemberOut]


class RoleChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role


class InvitationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: AccountEmail
    role: Role = "editor"


class InvitationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    role: Role
    expires_at: datetime
    created_at: datetime


class InvitationList(BaseModel):
    items: list[InvitationOut]


class InvitationToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(min_length=20, max_length=200, pattern=r"^[A-Za-z0-9_-]+$")


class InvitationPreview(BaseModel):
    workspace_name: str
    role: Role
    email: str = Field(description="the address invited: accept while signed in with it")
    expires_at: datetime


class Joined(BaseModel):
    workspace: WorkspaceOut


class ActivityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    actor_id: uuid.UUID | None = Field(
        description="who did it; null for the system (the publisher, a schedule)"
    )
    actor_name: str | None = Field(
        default=None, description="their name, also after they left the workspace; null for the system"
    )
    action: str
    subject_type: str
    subject_id: uuid.UUID | None
    detail: dict[str, Any]
    created_at: datetime


class ActivityPage(BaseModel):
    items: list[ActivityOut]
    total: int
    limit: int
    offset: int
