"""Post histories as the engagement model reads them: from the product database or from export files."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth.models import User
from api.history.importers import ImportFileError, ParsedPost, open_import
from api.history.models import UserPost
from models.engagement.history import engagement_count

COLUMNS = (
    "post_id", "author", "platform", "posted_at", "content", "likes", "comments", "shares",
    "impressions", "followers", "timezone", "time_precision", "media_type",
)  # fmt: skip


def _metric(metrics: dict[str, object], name: str) -> float | None:
    value = metrics.get(name)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _text(metrics: dict[str, object], name: str) -> str | None:
    value = metrics.get(name)
    return value if isinstance(value, str) and value else None


def _frame(records: Iterable[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(list(records), columns=list(COLUMNS))
    frame["posted_at"] = pd.to_datetime(frame["posted_at"], utc=True)
    frame["engagements"] = engagement_count(frame)
    return frame


def history_frame(session: Session, user_ids: Iterable[uuid.UUID] | None = None) -> pd.DataFrame:
    """Every dated post (of these users, or of everyone), one row each, the author being the user."""
    query = (
        select(UserPost, User.timezone)
        .join(User, User.id == UserPost.user_id)
        .where(UserPost.posted_at.is_not(None))
        .order_by(UserPost.user_id, UserPost.posted_at)
    )
    if user_ids is not None:
        query = query.where(UserPost.user_id.in_(list(user_ids)))
    records: list[dict[str, object]] = []
    for post, timezone in session.execute(query):
        metrics = post.engagement_metrics or {}
        records.append(
            {
                "post_id": str(post.id),
                "author": str(post.user_id),
                "platform": post.platform,
                "posted_at": post.posted_at,
                "content": post.content,
                "likes": _metric(metrics, "likes"),
                "comments": _metric(metrics, "comments"),
                "shares": _metric(metrics, "shares"),
                "impressions": _metric(metrics, "impressions"),
                "followers": post.followers,
                "timezone": timezone,
                "time_precision": post.time_precision,
                "media_type": _text(metrics, "media_type"),
            }
        )
    return _frame(records)


def parsed_records(
    posts: Iterable[ParsedPost], author: str, timezone: str = "UTC"
) -> list[dict[str, object]]:
    """ParsedPost rows of one export as history records."""
    return [
        {
            "post_id": f"{author}:{post.line}",
            "author": author,
            "platform": str(post.platform),
            "posted_at": post.posted_at,
            "content": post.content,
            "likes": _metric(post.metrics, "likes"),
            "comments": _metric(post.metrics, "comments"),
            "shares": _metric(post.metrics, "shares"),
            "impressions": _metric(post.metrics, "impressions"),
            "followers": post.followers,
            "timezone": timezone,
            "time_precision": str(post.time_precision),
            "media_type": _text(post.metrics, "media_type"),
        }
        for post in posts
    ]


def export_frame(
    paths: Iterable[Path], author_by: str = "file", as_of: datetime | None = None
) -> pd.DataFrame:
    """Posts of export files read by the product's own importers.

    `author_by="file"`: one author per file's folder (an account's monthly exports); `"followers"`: scraped
    multi-author sets, where the follower count identifies the author. Relative dates ("2w") count back
    from `as_of` (when the page was read; default now). Unreadable files are skipped.
    """
    records: list[dict[str, object]] = []
    for path in paths:
        try:
            with Path(path).open("rb") as stream:
                posts = [row for row in open_import(stream, as_of=as_of).rows if isinstance(row, ParsedPost)]
        except ImportFileError:
            continue
        if author_by == "followers":
            for followers in {post.followers for post in posts}:
                group = [post for post in posts if post.followers == followers]
                records += parsed_records(group, f"{Path(path).parent.name}:{followers}")
        else:
            records += parsed_records(posts, Path(path).parent.name)
    frame = _frame(records)
    return frame.drop_duplicates(subset=["author", "platform", "content", "posted_at"])
