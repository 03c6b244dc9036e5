"""SQL for posts: the bulk import path and the listings.

The import streams new posts straight into `user_posts` with COPY, so PostgreSQL stores rows while the
file is still being parsed. Only rows whose post is already stored (a re-import) go through a staging table
and an `INSERT ... ON CONFLICT DO UPDATE`. Knowing which rows those are needs the user's existing keys,
read once under a per-user advisory lock that also keeps two imports of one account from racing.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import secrets
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from api.core.pagination import paginate
from api.posts.importers import ParsedPost
from api.posts.models import UserPost

STAGING_TABLE = "post_import_staging"
_COLUMNS = "platform, content, engagement_metrics, posted_at, external_id, followers, time_precision"
_COPY_CHUNK_CHARS = 1 << 20

_CREATE_STAGING = f"""
CREATE TEMP TABLE {STAGING_TABLE} (
    platform varchar(20) NOT NULL,
    content text NOT NULL,
    engagement_metrics jsonb NOT NULL,
    posted_at timestamptz NOT NULL,
    external_id varchar(100),
    followers integer,
    time_precision varchar(12) NOT NULL
) ON COMMIT DROP
"""

# On conflict, metrics merge (a Shares.csv row and an analytics row of the same post complete each other),
# the follower count is kept when the new row has none, and a precise posting time is not replaced by a
# vaguer one. A row that would change nothing is not written, so it counts as a duplicate, not an update.
_UPSERT = """
WITH written AS (
    INSERT INTO user_posts AS p (user_id, source_format, {columns})
    SELECT %(user_id)s, %(source_format)s, {columns}
    FROM {staging}
    WHERE external_id IS {null_test}
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
    columns=_COLUMNS,
    staging=STAGING_TABLE,
    null_test="NOT NULL",
    conflict_target="(user_id, platform, external_id)",
    new_is_as_precise=_NEW_IS_AS_PRECISE,
)
_UPSERT_WITHOUT_ID = _UPSERT.format(
    columns=_COLUMNS,
    staging=STAGING_TABLE,
    null_test="NULL",
    conflict_target="(user_id, platform, md5(content)) WHERE external_id IS NULL",
    new_is_as_precise=_NEW_IS_AS_PRECISE,
)

_EXISTING_KEYS = """
SELECT platform, COALESCE(external_id, '#' || md5(content)) FROM user_posts WHERE user_id = %s
"""


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    """What the bulk upsert did with the parsed posts it was given."""

    received: int
    inserted: int
    updated: int


def driver_connection(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under the session's transaction (for COPY, which SQLAlchemy does not wrap)."""
    raw = session.connection().connection.driver_connection
    if not isinstance(raw, psycopg.Connection):
        raise RuntimeError("the bulk import needs the psycopg 3 driver (postgresql+psycopg:// URLs)")
    return raw


def post_key(post: ParsedPost) -> tuple[str, str]:
    """What identifies a post for one user: its platform id, or for posts without one, its text."""
    if post.external_id is not None:
        return post.platform, post.external_id
    return post.platform, "#" + hashlib.md5(post.content.encode("utf-8"), usedforsecurity=False).hexdigest()


def bulk_upsert(
    session: Session, user_id: uuid.UUID, source_format: str, posts: Iterable[ParsedPost]
) -> UpsertCounts:
    """Store parsed posts for the user: new ones by COPY, already stored ones by upsert.

    A post repeated within `posts` is stored once (the first occurrence); the repeats are neither inserted
    nor updated. Runs inside the session's transaction: nothing is visible to others until it commits.
    """
    session.flush()
    connection = driver_connection(session)
    received = inserted = 0
    seen: set[tuple[str, str]] = set()
    known: list[str] = []  # COPY lines of posts already stored, upserted after the stream
    with connection.cursor() as cursor:
        # One import per account at a time: the existing keys read below stay true until we commit.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"post-import:{user_id}",))
        stored = {(platform, key) for platform, key in cursor.execute(_EXISTING_KEYS, (user_id,))}
        copy_sql = f"COPY user_posts (id, user_id, source_format, {_COLUMNS}) FROM STDIN"
        shared = f"\t{user_id}\t{_copy_text(source_format)}\t"
        ids = time_ordered_ids()
        with cursor.copy(copy_sql) as copy:
            chunk: list[str] = []
            size = 0
            for post in posts:
                received += 1
                key = post_key(post)
                if key in seen:
                    continue
                seen.add(key)
                line = copy_line(post)
                if key in stored:
                    known.append(line)
                    continue
                inserted += 1
                chunk.append(next(ids) + shared + line)
                size += len(line)
                if size >= _COPY_CHUNK_CHARS:
                    copy.write("".join(chunk))
                    chunk, size = [], 0
            if chunk:
                copy.write("".join(chunk))
        updated = 0
        if known:
            more_inserted, updated = _upsert_known(cursor, user_id, source_format, known)
            inserted += more_inserted
    return UpsertCounts(received=received, inserted=inserted, updated=updated)


def time_ordered_ids() -> Iterator[str]:
    """Version 7 UUIDs, increasing: the primary-key index then grows at its right edge.

    Random ids (version 4) land all over the index and make a bulk insert markedly slower. The stream shares
    one millisecond timestamp and random bits, and counts up in the last 48 bits from a random start.
    """
    millis = f"{time.time_ns() // 1_000_000:012x}"
    rand_a = secrets.randbits(12)
    variant_and_rand = 0x8000 | secrets.randbits(14)
    head = f"{millis[:8]}-{millis[8:]}-7{rand_a:03x}-{variant_and_rand:04x}-"
    for counter in itertools.count(secrets.randbits(46)):
        yield f"{head}{counter:012x}"


def _upsert_known(
    cursor: psycopg.Cursor[Any],
    user_id: uuid.UUID,
    source_format: str,
    lines: list[str],
) -> tuple[int, int]:
    """Upsert rows of posts the user already has; returns (inserted, updated)."""
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
    cursor.execute(_CREATE_STAGING)
    with cursor.copy(f"COPY {STAGING_TABLE} ({_COLUMNS}) FROM STDIN") as copy:
        for start in range(0, len(lines), 5000):
            copy.write("".join(lines[start : start + 5000]))
    inserted = updated = 0
    params = {"user_id": user_id, "source_format": source_format}
    for statement in (_UPSERT_WITH_ID, _UPSERT_WITHOUT_ID):
        row = cursor.execute(statement, params).fetchone()
        assert row is not None
        inserted += row[0]
        updated += row[1]
    cursor.execute(f"DROP TABLE {STAGING_TABLE}")
    return inserted, updated


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _metrics_json(metrics: dict[str, object]) -> str:
    """The metrics as JSON, escaped for COPY; plain counts (the common case) skip the generic encoder."""
    parts = []
    for key, value in metrics.items():
        if type(value) is not int:
            return _copy_text(_JSON(metrics))
        parts.append(f'"{key}":{value}')  # keys are the importers' own identifiers
    return "{" + ",".join(parts) + "}"


def _copy_text(value: str) -> str:
    """A value in COPY's text format: backslash, tab, newline and carriage return escaped."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def copy_line(post: ParsedPost) -> str:
    """The post's columns (_COLUMNS order) as one line of COPY text; NULL is \\N."""
    external_id = "\\N" if post.external_id is None else _copy_text(post.external_id)
    followers = "\\N" if post.followers is None else str(post.followers)
    return (
        f"{post.platform}\t{_copy_text(post.content)}\t{_metrics_json(post.metrics)}\t"
        f"{post.posted_at.isoformat()}\t{external_id}\t{followers}\t{post.time_precision.value}\n"
    )


def posts_query(
    user_id: uuid.UUID,
    platform: str | None = None,
    posted_from: datetime | None = None,
    posted_to: datetime | None = None,
) -> Select[UserPost]:
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
    session: Session, query: Select[UserPost], limit: int, offset: int
) -> tuple[list[UserPost], int]:
    """One page, newest first, and the total count of the query."""
    return paginate(session, query, (UserPost.posted_at.desc().nulls_last(), UserPost.id), limit, offset)
