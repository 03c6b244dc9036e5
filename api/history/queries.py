"""SQL for posts: the bulk import path and the listings.

The import streams new posts straight into `user_posts` with COPY, a batch of rows at a time, so PostgreSQL
stores the first batches while the next ones are parsed. Only rows whose post is already stored (a
re-import) go through a staging table and an `INSERT ... ON CONFLICT DO UPDATE`. Knowing which rows those
are needs the user's existing keys, read once under a per-user advisory lock that also keeps two imports of
one account from racing. The COPY text of a batch is built a column at a time: escaping is one pass over
the joined column, and the lines are the columns interleaved and joined in one go.
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import repeat
from typing import Any, cast

import psycopg
from sqlalchemy import Select
from sqlalchemy.orm import Session

from api.core.ownership import owned_rows
from api.core.pagination import paginate
from api.history.importers import PostBatch
from api.history.models import UserPost

STAGING_TABLE = "post_import_staging"
_COLUMNS = "platform, content, engagement_metrics, posted_at, external_id, followers, time_precision"

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

# The keys of post_keys(), computed by the database for the stored posts.
_EXISTING_KEYS = """
SELECT CASE WHEN external_id IS NULL THEN platform || chr(30) || md5(content)
            ELSE platform || chr(31) || external_id END
FROM user_posts WHERE user_id = %s
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


def post_keys(batch: PostBatch) -> list[str]:
    """What identifies each post for one user: platform and platform id, or for posts without an id,
    platform and the md5 of the text (the unique indexes of user_posts)."""
    platforms, external_ids = batch.platforms, batch.external_ids
    if platforms and None not in external_ids and platforms.count(platforms[0]) == len(platforms):
        return list(map((platforms[0] + "\x1f").__add__, cast(list[str], external_ids)))
    return [
        platform + "\x1f" + external_id
        if external_id is not None
        else platform + "\x1e" + hashlib.md5(content.encode("utf-8"), usedforsecurity=False).hexdigest()
        for platform, content, external_id in zip(platforms, batch.contents, external_ids, strict=True)
    ]


def bulk_upsert(
    session: Session, user_id: uuid.UUID, source_format: str, batches: Iterable[PostBatch]
) -> UpsertCounts:
    """Store parsed posts for the user: new ones by COPY, already stored ones by upsert.

    A post repeated within `batches` is stored once (the first occurrence); the repeats are neither
    inserted nor updated. Runs inside the session's transaction: nothing is visible to others until it
    commits.
    """
    session.flush()
    connection = driver_connection(session)
    received = inserted = 0
    seen: set[str] = set()
    known: list[str] = []  # COPY text of posts already stored, upserted after the stream
    with connection.cursor() as cursor:
        # One import per account at a time: the existing keys read below stay true until we commit.
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (f"post-import:{user_id}",))
        stored = {key for (key,) in cursor.execute(_EXISTING_KEYS, (user_id,))}
        ids = time_ordered_ids()
        with cursor.copy(f"COPY user_posts (id, user_id, source_format, {_COLUMNS}) FROM STDIN") as copy:
            for batch in batches:
                if not batch:
                    continue
                received += len(batch)
                new, old = _split(post_keys(batch), seen, stored)
                if old:
                    known.append(copy_text(_select(batch, old)))
                if new is not None:
                    batch = _select(batch, new)
                if batch:
                    inserted += len(batch)
                    copy.write(copy_text(batch, user_id, source_format, ids))
        updated = 0
        if known:
            more_inserted, updated = _upsert_known(cursor, user_id, source_format, known)
            inserted += more_inserted
    return UpsertCounts(received=received, inserted=inserted, updated=updated)


def _split(keys: list[str], seen: set[str], stored: set[str]) -> tuple[list[int] | None, list[int]]:
    """Which posts of a batch are new (None: all of them) and which are already stored, by position;
    `seen` (the keys met so far) grows, and a post met before is in neither list."""
    if seen.isdisjoint(keys) and stored.isdisjoint(keys):
        size = len(seen)
        seen.update(keys)
        if len(seen) - size == len(keys):
            return None, []
        seen.difference_update(keys)  # repeated within the batch: one at a time
    new: list[int] = []
    old: list[int] = []
    for index, key in enumerate(keys):
        if key in seen:
            continue
        seen.add(key)
        (old if key in stored else new).append(index)
    return new, old


def _select(batch: PostBatch, positions: list[int]) -> PostBatch:
    """The posts of the batch at `positions` (rejected rows are not carried)."""
    if len(positions) == len(batch):
        return batch
    if not positions:
        return PostBatch()

    def pick(column: list[Any]) -> list[Any]:
        return [column[position] for position in positions]

    return PostBatch(
        pick(batch.lines),
        pick(batch.platforms),
        pick(batch.contents),
        pick(batch.metrics),
        pick(batch.posted_at),
        pick(batch.precisions),
        pick(batch.external_ids),
        pick(batch.followers),
    )


_NULL = "\\N"


def copy_text(
    batch: PostBatch,
    user_id: uuid.UUID | None = None,
    source_format: str = "",
    ids: Iterator[str] | None = None,
) -> str:
    """The batch's posts as lines of COPY text, in `_COLUMNS` order; with `ids`, each line starts with
    an id from it, the user and the source format (the columns of `user_posts` the import writes)."""
    followers = batch.followers
    follower_texts: Iterable[str]
    if followers.count(followers[0]) == len(followers):
        follower_texts = repeat(_NULL if followers[0] is None else str(followers[0]))
    else:
        follower_texts = [_NULL if count is None else str(count) for count in followers]
    tab = repeat("\t")
    fields = [
        batch.platforms,
        tab,
        _copy_column(batch.contents),
        tab,
        _copy_column(batch.metrics),
        tab,
        batch.posted_at,
        tab,
        _copy_nullable(batch.external_ids),
        tab,
        follower_texts,
        tab,
        batch.precisions,
        repeat("\n"),
    ]
    if ids is not None:
        # uuids and format names hold no character COPY escapes
        fields[:0] = [itertools.islice(ids, len(batch)), repeat(f"\t{user_id}\t{source_format}\t")]
    # Interleaved and joined in one pass, no string per line; the separators repeat endlessly.
    return "".join(itertools.chain.from_iterable(zip(*fields, strict=False)))


def _copy_column(values: list[str]) -> list[str]:
    """Text values in COPY's text format: backslash, tab, newline and carriage return escaped.

    The column is escaped as one string, joined on NUL (which no stored text holds) and split again.
    """
    joined = "\x00".join(values)
    if "\\" not in joined and "\t" not in joined and "\n" not in joined and "\r" not in joined:
        return values
    if joined.count("\x00") != len(values) - 1:
        return list(map(_copy_text, values))
    return _copy_text(joined).split("\x00")


def _copy_nullable(values: list[str | None]) -> list[str]:
    if None not in values:
        return _copy_column(cast(list[str], values))
    present = _copy_column([value for value in values if value is not None])
    texts = iter(present)
    return [_NULL if value is None else next(texts) for value in values]


def _copy_text(value: str) -> str:
    """A value in COPY's text format: backslash, tab, newline and carriage return escaped."""
    return value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def time_ordered_ids() -> Iterator[str]:
    """Version 7 UUIDs, increasing: the primary-key index then grows at its right edge.

    Random ids (version 4) land all over the index and make a bulk insert markedly slower. The stream shares
    one millisecond timestamp and random bits, and counts up in the last 48 bits from a random start.
    """
    millis = f"{time.time_ns() // 1_000_000:012x}"
    rand_a = secrets.randbits(12)
    variant_and_rand = 0x8000 | secrets.randbits(14)
    head = f"{millis[:8]}-{millis[8:]}-7{rand_a:03x}-{variant_and_rand:04x}-"
    return map(f"{head}%012x".__mod__, itertools.count(secrets.randbits(46)))


def _upsert_known(
    cursor: psycopg.Cursor[Any],
    user_id: uuid.UUID,
    source_format: str,
    texts: list[str],
) -> tuple[int, int]:
    """Upsert posts the user already has (COPY text, a batch per item); returns (inserted, updated)."""
    cursor.execute(f"DROP TABLE IF EXISTS {STAGING_TABLE}")
    cursor.execute(_CREATE_STAGING)
    with cursor.copy(f"COPY {STAGING_TABLE} ({_COLUMNS}) FROM STDIN") as copy:
        for text in texts:
            copy.write(text)
    inserted = updated = 0
    params = {"user_id": user_id, "source_format": source_format}
    for statement in (_UPSERT_WITH_ID, _UPSERT_WITHOUT_ID):
        row = cursor.execute(statement, params).fetchone()
        assert row is not None
        inserted += row[0]
        updated += row[1]
    cursor.execute(f"DROP TABLE {STAGING_TABLE}")
    return inserted, updated


def posts_query(
    user_id: uuid.UUID,
    platform: str | None = None,
    posted_from: datetime | None = None,
    posted_to: datetime | None = None,
) -> Select[UserPost]:
    """The user's posts matching the filters (`posted_to` is exclusive)."""
    query = owned_rows(UserPost, user_id)
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
