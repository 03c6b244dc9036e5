"""SQL for posts: the bulk import path (COPY into a staging table, then one upsert) and the listings."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import psycopg
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from api.posts.importers import ParsedPost
from api.posts.models import UserPost

STAGING_TABLE = "post_import_staging"

_CREATE_STAGING = f"""
CREATE TEMP TABLE {STAGING_TABLE} (
    seq integer NOT NULL,
    platform varchar(20) NOT NULL,
    content text NOT NULL,
    posted_at timestamptz NOT NULL,
    time_precision varchar(12) NOT NULL,
    external_id varchar(100),
    followers integer,
    metrics jsonb NOT NULL
) ON COMMIT DROP
"""

_COPY_STAGING = (
    f"COPY {STAGING_TABLE} "
    "(seq, platform, content, posted_at, time_precision, external_id, followers, metrics) FROM STDIN"
)

# The last row of each post in the file wins (later rows of an export are later snapshots). On conflict,
# metrics merge (a Shares.csv row and an analytics row of the same post complete each other), the follower
# count is kept when the new row has none, and a precise posting time is not replaced by a vaguer one. A row
# that would change nothing is not written, so it is reported as a duplicate rather than an update.
_UPSERT = """
WITH latest AS (
    SELECT DISTINCT ON (platform, {key}) *
    FROM {staging}
    WHERE external_id IS {null_test}
    ORDER BY platform, {key}, seq DESC
), written AS (
    INSERT INTO user_posts AS p (
        user_id, platform, content, engagement_metrics, posted_at, external_id, followers, time_precision,
        source_format
    )
    SELECT %(user_id)s, platform, content, metrics, posted_at, external_id, followers, time_precision,
           %(source_format)s
    FROM latest
    ON CONFLICT {conflict_target} DO UPDATE SET
        content = EXCLUDED.content,
        engagement_metrics = p.engagement_metrics || EXCLUDED.engagement_metrics,
        followers = COALESCE(EXCLUDED.followers, p.followers),
        posted_at = CASE WHEN {new_is_as_precise} THEN EXCLUDED.posted_at ELSE p.posted_at END,
        time_precision = CASE WHEN {new_is_as_precise} THEN EXCLUDED.time_precision ELSE p.time_precision END,
        source_format = EXCLUDED.source_format
    WHERE (p.content, p.engagement_metrics, p.followers, p.posted_at)
        IS DISTINCT FROM (
            EXCLUDED.content,
            p.engagement_metrics || EXCLUDED.engagement_metrics,
            COALESCE(EXCLUDED.followers, p.followers),
            CASE WHEN {new_is_as_precise} THEN EXCLUDED.posted_at ELSE p.posted_at END
        )
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
"""

_PRECISION_ORDER = "ARRAY['exact', 'day', 'approximate']::varchar[]"
_NEW_IS_AS_PRECISE = (
    f"array_position({_PRECISION_ORDER}, EXCLUDED.time_precision) "
    f"<= array_position({_PRECISION_ORDER}, p.time_precision)"
)

# Posts with a platform id are matched on it; posts without one on their text (see the partial index).
_UPSERT_WITH_ID = _UPSERT.format(
    key="external_id",
    staging=STAGING_TABLE,
    null_test="NOT NULL",
    conflict_target="(user_id, platform, external_id)",
    new_is_as_precise=_NEW_IS_AS_PRECISE,
)
_UPSERT_WITHOUT_ID = _UPSERT.format(
    key="md5(content)",
    staging=STAGING_TABLE,
    null_test="NULL",
    conflict_target="(user_id, platform, md5(content)) WHERE external_id IS NULL",
    new_is_as_precise=_NEW_IS_AS_PRECISE,
)


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    staged: int
    inserted: int
    updated: int


def driver_connection(session: Session) -> psycopg.Connection:  # type: ignore[type-arg]
    """The psycopg connection under the session's transaction (for COPY, which SQLAlchemy does not wrap)."""
    raw = session.connection().connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise RuntimeError("the bulk import needs the psycopg 3 driver (postgresql+psycopg:// URLs)")
    return raw


def bulk_upsert(
    session: Session, user_id: uuid.UUID, source_format: str, posts: Iterable[ParsedPost]
) -> UpsertCounts:
    """Stream `posts` into a staging table with COPY, then upsert them into user_posts in two statements.

    Runs inside the session's transaction: nothing is visible to others until the caller commits.
    """
    session.flush()
    connection = driver_connection(session)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
        cursor.execute(_CREATE_STAGING)
        staged = 0
        with cursor.copy(_COPY_STAGING) as copy:
            for record in _copy_records(posts):
                copy.write_row(record)
                staged += 1
        params = {"user_id": user_id, "source_format": source_format}
        inserted = updated = 0
        for statement in (_UPSERT_WITH_ID, _UPSERT_WITHOUT_ID):
            cursor.execute(statement, params)
            row = cursor.fetchone()
            assert row is not None
            inserted += row[0]
            updated += row[1]
        cursor.execute(f"DROP TABLE {STAGING_TABLE}")
    return UpsertCounts(staged=staged, inserted=inserted, updated=updated)


def _copy_records(posts: Iterable[ParsedPost]) -> Iterator[tuple[object, ...]]:
    dumps = json.dumps
    for seq, post in enumerate(posts):
        yield (
            seq,
            post.platform,
            post.content,
            post.posted_at,
            post.time_precision.value,
            post.external_id,
            post.followers,
            dumps(post.metrics, ensure_ascii=False),
        )


def posts_query(
    user_id: uuid.UUID,
    platform: str | None = None,
    posted_from: datetime | None = None,
    posted_to: datetime | None = None,
) -> Select[tuple[UserPost]]:
    """The user's posts matching the filters (`posted_to` is exclusive)."""
    query = select(UserPost).where(UserPost.user_id == user_id)
    if platform is not None:
        query = query.where(UserPost.platform == platform)
    if posted_from is not None:
        query = query.where(UserPost.posted_at >= posted_from)
    if posted_to is not None:
        query = query.where(UserPost.posted_at < posted_to)
    return query


def page_of_posts(
    session: Session, query: Select[tuple[UserPost]], limit: int, offset: int
) -> tuple[list[UserPost], int]:
    """One page, newest first, and the total count of the query."""
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(UserPost.posted_at.desc().nulls_last(), UserPost.id).limit(limit).offset(offset)
    ).all()
    return list(rows), total
