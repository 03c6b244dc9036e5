"""One page of a query and the total it was cut from."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

# Deeper than any real listing; larger values would overflow PostgreSQL's bigint OFFSET.
MAX_OFFSET = 10_000_000


def paginate(
    session: Session, query: Select[T], order_by: tuple[Any, ...], limit: int, offset: int
) -> tuple[list[T], int]:
    """The rows of `query` in `order_by` order from `offset` (at most `limit`), and how many match in all."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(*order_by).limit(limit).offset(offset)).all()
    return list(rows), total
