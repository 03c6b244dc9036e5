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
    """The rows of `query` in `order_by` order from `offset` (at most `limit`), and how many match in all.

    One round trip: the total rides on each row as a count the database computes once (a subquery, not a
    window over every matching row: that would read and sort every row, wide columns and all, to return a
    page of them). Only a page past the end (no row to carry it) asks for the count on its own. `query`
    selects one entity, without DISTINCT."""
    total = select(func.count()).select_from(query.order_by(None).subquery()).scalar_subquery()
    page = query.add_columns(total).order_by(*order_by).limit(limit).offset(offset)
    rows = session.execute(page).all()
    if rows:
        return [row[0] for row in rows], int(rows[0][1])
    if offset == 0:
        return [], 0
    return [], session.scalar(select(func.count()).select_from(query.subquery())) or 0
