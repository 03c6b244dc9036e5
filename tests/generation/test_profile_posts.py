"""Which posts speak for a voice: the newest ones, whatever the size of the history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from api.generation.service import MAX_PROFILE_POSTS, _own_posts
from api.history.models import UserPost


def test_a_long_history_is_profiled_from_its_newest_posts_oldest_first(db, user_factory):
    me = user_factory()
    start = datetime(2020, 1, 1, 9, tzinfo=UTC)
    total = MAX_PROFILE_POSTS + 25
    # Inserted newest first, so neither the insertion order nor the ids follow the dates.
    for i in reversed(range(total)):
        db.add(
            UserPost(
                user_id=me.id,
                platform="twitter",
                content=f"post {i}",
                posted_at=start + timedelta(days=i),
                external_id=f"p{i}",
            )
        )
    db.add(
        UserPost(user_id=me.id, platform="linkedin", content="elsewhere", posted_at=start, external_id="l")
    )
    db.commit()
    posts = _own_posts(db, me, "twitter")
    assert [post.content for post in posts] == [f"post {i}" for i in range(25, total)]
