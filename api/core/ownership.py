"""Who may read or change a row, stated once: its owner (the row's `user_id`). Everyone else gets a 404,
so another user's rows are not even revealed to exist.

Every domain reads a user's rows through `owned_rows` (lists) and `get_owned` (one row by id); a rule
that changes (a shared workspace, say) changes here.
"""

from __future__ import annotations

import uuid
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.core.errors import NotFound


class Owned(Protocol):
    @property
    def user_id(self) -> uuid.UUID: ...


Row = TypeVar("Row", bound=Owned)


def owned_rows(table: type[Row], user_id: uuid.UUID) -> Select[Row]:
    """The rows of `table` the user may read: their own."""
    model: Any = table
    return select(table).where(model.user_id == user_id)


def get_owned(
    session: Session, table: type[Row], user_id: uuid.UUID, row_id: uuid.UUID, what: str, **options: Any
) -> Row:
    """The user's row, or a 404 naming `what` (also for another user's row). `options` go to
    `Session.get` (`populate_existing`, `with_for_update`)."""
    row = session.get(table, row_id, **options)
    if row is None or row.user_id != user_id:
        raise NotFound(f"No {what} {row_id}.")
    return row
