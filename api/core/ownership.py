"""Who may read or change a row, stated once.

A workspace's rows (drafts, schedules, queue slots, connected accounts, webhooks, media, generation jobs:
every table with a `workspace_id`) are read through the caller's `Scope`: the workspace the request is
in and the caller's role there. A person's rows (imported posts, the voice profile, tokens: tables with
only a `user_id`) are read by their owner alone. Anyone else gets a 404, so another workspace's rows are
not even revealed to exist; a member whose role lacks a right gets a 403.

Every domain reads rows through `owned_rows` (lists) and `get_owned` (one row by id).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.core.errors import NotFound


class Right(StrEnum):
    READ = "read"  # see everything in the workspace
    WRITE = "write"  # drafts, schedules, queue, media: create, edit, schedule, publish, submit for approval
    COMMENT = "comment"  # comment on drafts
    REVIEW = "review"  # approve, or ask for changes
    ADMIN = "admin"  # members, invitations, settings, connected accounts, webhooks


ROLES = ("owner", "editor", "reviewer", "viewer")
RIGHTS: dict[str, frozenset[Right]] = {
    "owner": frozenset(Right),
    "editor": frozenset({Right.READ, Right.WRITE, Right.COMMENT}),
    "reviewer": frozenset({Right.READ, Right.COMMENT, Right.REVIEW}),
    "viewer": frozenset({Right.READ}),
}
# Who may approve a draft when the workspace says posts need approval:
# - any_reviewer: any member with the review right (an owner may approve a draft they wrote);
# - two_people: a member with the review right who is not the draft's author nor its last editor.
APPROVAL_RULES = ("any_reviewer", "two_people")


@dataclass(frozen=True)
class Scope:
    """Who is asking (`user_id`), in which workspace, with which role."""

    user_id: uuid.UUID
    workspace_id: uuid.UUID
    role: str

    def can(self, right: Right) -> bool:
        return right in RIGHTS[self.role]


Row = TypeVar("Row")


def _in_workspace(table: type[Any]) -> bool:
    return hasattr(table, "workspace_id")


# A workspace's rows are read with the caller's `Scope`; a person's rows with a Scope or the person's id.
Owner = Scope | uuid.UUID


def _person(owner: Owner) -> uuid.UUID:
    return owner.user_id if isinstance(owner, Scope) else owner


def owned_rows(table: type[Row], owner: Owner) -> Select[Row]:
    """The rows of `table` the caller may read: the workspace's, or (a person's table) their own."""
    model: Any = table
    if _in_workspace(table):
        if not isinstance(owner, Scope):
            raise TypeError(f"{model.__name__} belongs to a workspace: read it with a Scope")
        return select(table).where(model.workspace_id == owner.workspace_id)
    return select(table).where(model.user_id == _person(owner))


def get_owned(
    session: Session, table: type[Row], owner: Owner, row_id: Any, what: str, **options: Any
) -> Row:
    """The row, or a 404 naming `what` (also for another workspace's or person's row). `options` go to
    `Session.get` (`populate_existing`, `with_for_update`)."""
    row = session.get(table, row_id, **options)
    if row is None or not owns(owner, row):
        raise NotFound(f"No {what} {row_id}.")
    return row


def owns(owner: Owner, row: Any) -> bool:
    """Whether the row is the caller's to read."""
    if _in_workspace(type(row)):
        return isinstance(owner, Scope) and bool(row.workspace_id == owner.workspace_id)
    return bool(row.user_id == _person(owner))
