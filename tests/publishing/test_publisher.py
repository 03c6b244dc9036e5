"""publish-due-posts: exactly once through crashes, timeouts and concurrent runs; errors classified."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.content.models import ContentDraft
from api.core.crypto import encrypt
from api.core.db import session_scope
from api.history.models import UserPost
from api.publishing import metrics, publisher
from api.publishing.models import MetricPull
from api.webhooks.models import Webhook, WebhookDelivery
from tests.publishing.world import World


def later(seconds: float):
    return lambda: datetime.now(UTC) + timedelta(seconds=seconds)


def test_a_thread_is_posted_in_order_as_replies_and_recorded(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "First part\n---\nSecond part\n---\nThird part", content_type="thread")

    assert publisher.run_pass()["published"] == 1

    posts = world.fake.posts
    assert [p.text for p in posts] == ["First part", "Second part", "Third part"]
    assert posts[0].reply_to is None and posts[1].reply_to == posts[0].id and posts[2].reply_to == posts[1].id
    draft = world.get(draft_id)
    account = world.account(user)
    assert draft.status == "published" and draft.external_id == posts[0].id
    assert draft.external_url == f"https://x.com/{account.handle}/status/{posts[0].id}"
    [attempt] = world.attempts(draft_id)
    assert attempt.outcome == "published" and attempt.posted_ids == [p.id for p in posts]
    with session_scope() as session:
        row = session.scalar(select(UserPost).where(UserPost.user_id == user))
        pulls = session.scalar(
            select(func.count()).select_from(MetricPull).where(MetricPull.draft_id == draft_id)
        )
    assert row is not None and row.external_id == posts[0].id and row.source_format == "published"
    assert pulls == 3
    assert publisher.run_pass()["published"] == 0  # nothing is due any more


def test_a_crash_after_the_platform_accepted_does_not_post_twice(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = world.user()
    draft_id = world.draft(user, "One\n---\nTwo", content_type="thread")
    original = publisher._save_progress

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("the process died before committing what the platform accepted")

    monkeypatch.setattr(publisher, "_save_progress", crash)
    with pytest.raises(KeyboardInterrupt):
        publisher.run_pass()
    assert [p.text for p in world.fake.posts] == ["One"]  # the platform has the first part
    assert world.attempts(draft_id)[0].outcome == "started"  # outcome unknown to us

    monkeypatch.setattr(publisher, "_save_progress", original)
    assert publisher.run_pass()["published"] == 0  # still leased: no one touches it
    assert publisher.run_pass(later(publisher.LEASE.total_seconds() + 5))["published"] == 1

    assert [p.text for p in world.fake.posts] == ["One", "Two"]  # reconciled, then the rest
    assert world.fake.posts[1].reply_to == world.fake.posts[0].id
    assert [a.outcome for a in world.attempts(draft_id)] == ["started", "published"]


def test_a_timeout_with_unknown_outcome_is_reconciled_before_trying_again(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "A post whose answer gets lost")
    world.fake.delay_after_store = 1.5
    with httpx.Client(timeout=0.5) as http:
        assert publisher.run_pass(http=http)["retry"] == 1
    draft = world.get(draft_id)
    assert draft.status == "scheduled" and "could not reach the platform" in (draft.last_error or "")
    world.fake.delay_after_store = 0
    assert publisher.run_pass()["published"] == 0  # not before its backoff
    assert publisher.run_pass(later(40))["published"] == 1
    assert len(world.fake.posts) == 1
    assert world.get(draft_id).external_id == world.fake.posts[0].id


def test_two_publishers_at_once_publish_each_post_once(world: World) -> None:
    users = [world.user() for _ in range(4)]
    drafts = [world.draft(users[i % 4], f"Post number {i}") for i in range(24)]
    results: list[dict[str, int]] = []

    def run() -> None:
        results.append(publisher.run_pass())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(p.text for p in world.fake.posts) == sorted(f"Post number {i}" for i in range(24))
    assert sum(r["published"] for r in results) == 24
    assert all(world.get(d).status == "published" for d in drafts)


def test_a_429_waits_for_the_platforms_reset(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "Rate limited at first")
    world.fake.rate_limited_until = time.time() + 120
    assert publisher.run_pass()["retry"] == 1
    draft = world.get(draft_id)
    assert draft.next_attempt_at is not None
    wait = (draft.next_attempt_at - datetime.now(UTC)).total_seconds()
    assert 100 < wait < 130, wait
    assert "rate limited" in (draft.last_error or "")
    assert publisher.run_pass(later(60)) == {"published": 0, "retry": 0, "failed": 0, "skipped": 0, "held": 0}
    world.fake.rate_limited_until = None
    assert publisher.run_pass(later(125))["published"] == 1
    assert len(world.fake.posts) == 1


def test_server_errors_are_retried_and_a_deadline_ends_them(world: World) -> None:
    user = world.user()
    ok = world.draft(user, "Survives one 503")
    world.fake.fail_next = [503]
    assert publisher.run_pass()["retry"] == 1
    assert publisher.run_pass(later(31))["published"] == 1
    assert world.get(ok).publish_attempts == 2

    late = world.draft(user, "Keeps failing", due=datetime.now(UTC) - timedelta(minutes=59, seconds=50))
    world.fake.fail_next = [502]
    assert publisher.run_pass()["failed"] == 1
    draft = world.get(late)
    assert draft.status == "failed" and (draft.last_error or "").startswith("Gave up after 1 attempts")


def test_an_expired_token_is_refreshed_once(world: World) -> None:
    user = world.user()
    world.draft(user, "After a refresh")
    world.fake.expire_tokens()  # the platform refuses the token we think is valid
    assert publisher.run_pass()["published"] == 1
    assert world.fake.refresh_calls == 1

    soon = world.user(expires_in=30)  # about to expire: refreshed before use
    world.draft(soon, "Refreshed ahead")
    assert publisher.run_pass()["published"] == 1
    assert world.fake.refresh_calls == 2


def test_a_revoked_grant_marks_the_account_and_fails_the_post(world: World) -> None:
    user = world.user()
    with session_scope() as session:
        session.add(Webhook(user_id=user, url="https://hooks.example/x", secret_encrypted=encrypt("s"),
                            events=["account.needs_reauth", "post.failed"]))  # fmt: skip
    draft_id = world.draft(user, "Never goes out")
    world.fake.revoked = True
    assert publisher.run_pass()["failed"] == 1
    draft = world.get(draft_id)
    account = world.account(user)
    assert account.status == "needs_reauth" and "reconnect" in (account.last_error or "")
    assert draft.status == "failed" and "reconnect" in (draft.last_error or "")
    assert world.fake.posts == []
    with session_scope() as session:
        events = session.scalars(
            select(WebhookDelivery.event).join(Webhook).where(Webhook.user_id == user)
        ).all()
    assert sorted(events) == ["account.needs_reauth", "post.failed"]

    again = world.draft(user, "Also blocked")
    assert publisher.run_pass()["failed"] == 1
    assert "needs reconnecting" in (world.get(again).last_error or "")


def test_permanent_refusals_fail_with_the_platforms_reason(world: World) -> None:
    user = world.user()
    world.draft(user, "Same words")
    assert publisher.run_pass()["published"] == 1
    duplicate = world.draft(user, "Same words")
    assert publisher.run_pass()["failed"] == 1
    draft = world.get(duplicate)
    assert draft.status == "failed" and "duplicate content" in (draft.last_error or "")
    assert len(world.fake.posts) == 1

    nobody = world.user(connected=False)
    orphan = world.draft(nobody, "No account")
    assert publisher.run_pass()["failed"] == 1
    assert world.get(orphan).last_error == "No X account is connected; connect it, then retry this post."


def test_linkedin_posts_with_the_version_header_and_a_first_comment(world: World) -> None:
    user = world.user("linkedin")
    draft_id = world.draft(user, "Hiring notes from this week.", "linkedin", first_comment="Link in here")
    assert publisher.run_pass()["published"] == 1
    [post] = world.fake.posts
    assert post.id.startswith("urn:li:share:") and post.comments == ["Link in here"]
    draft = world.get(draft_id)
    assert draft.external_url == f"https://www.linkedin.com/feed/update/{post.id}/"
    assert world.attempts(draft_id)[0].comment_posted


def test_metrics_come_back_into_the_users_posts(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "Measured later")
    publisher.run_pass()
    world.fake.posts[0].likes = 42
    assert metrics.collect_due()["collected"] == 0  # nothing due within the first hour
    assert metrics.collect_due(datetime.now(UTC) + timedelta(hours=1, minutes=1))["collected"] == 1
    with session_scope() as session:
        row = session.scalar(select(UserPost).where(UserPost.user_id == user))
        pulls = session.scalars(select(MetricPull).where(MetricPull.draft_id == draft_id)).all()
    assert row is not None
    assert row.engagement_metrics == {"likes": 42, "comments": 2, "shares": 1, "impressions": 500}
    assert sum(p.done_at is not None for p in pulls) == 1


def test_no_lock_is_held_while_the_platform_is_asked_for_metrics(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pull is leased and committed before the platform is called: anyone may lock its row then, and
    an overlapping pass does not take it."""
    user = world.user()
    draft_id = world.draft(user, "Measured later")
    publisher.run_pass()
    due = datetime.now(UTC) + timedelta(hours=1, minutes=1)
    seen: dict[str, object] = {}
    real_token = metrics.accounts.fresh_access_token

    def token_while_checking(*args: Any, **kwargs: Any) -> str:
        with session_scope() as session:
            locked = session.execute(
                select(MetricPull.id)
                .where(MetricPull.draft_id == draft_id, MetricPull.due_at <= due)
                .with_for_update(nowait=True)
            ).all()
            seen["lockable"] = len(locked)
        seen["overlapping_pass"] = metrics.collect_due(due)
        return real_token(*args, **kwargs)

    monkeypatch.setattr(metrics.accounts, "fresh_access_token", token_while_checking)
    assert metrics.collect_due(due)["collected"] == 1
    assert seen == {"lockable": 1, "overlapping_pass": {"collected": 0, "retry": 0, "failed": 0}}


def test_no_lock_is_held_while_the_platform_is_called(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """The draft is leased and its attempt committed before the platform is called: its row can be
    locked meanwhile, and an overlapping pass does not take it."""
    user = world.user()
    draft_id = world.draft(user, "Posted while nobody holds the row")
    seen: dict[str, object] = {}
    real_token = publisher.accounts.fresh_access_token

    def token_while_checking(*args: Any, **kwargs: Any) -> str:
        if not seen:
            with session_scope() as session:
                locked = session.execute(
                    select(ContentDraft.id).where(ContentDraft.id == draft_id).with_for_update(nowait=True)
                ).all()
                seen["lockable"] = len(locked)
            seen["overlapping_pass"] = publisher.run_pass()
        return real_token(*args, **kwargs)

    monkeypatch.setattr(publisher.accounts, "fresh_access_token", token_while_checking)
    assert publisher.run_pass()["published"] == 1
    assert seen == {
        "lockable": 1,
        "overlapping_pass": {"published": 0, "retry": 0, "failed": 0, "skipped": 0, "held": 0},
    }
    assert len(world.fake.posts) == 1
