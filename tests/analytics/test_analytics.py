"""Dashboard, performance and insights on posts whose engagement is known, in the user's time zone."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from api.content.models import ContentDraft
from api.history.models import UserPost

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"


def add_post(
    db, user, posted_at, *, likes=0, comments=0, shares=0, impressions=None, followers=None, **fields
):
    metrics = {"likes": likes, "comments": comments, "shares": shares}
    if impressions is not None:
        metrics["impressions"] = impressions
    post = UserPost(
        user_id=user.id,
        platform=fields.pop("platform", "twitter"),
        content=fields.pop("content", f"post {random.random()}"),
        posted_at=posted_at,
        followers=followers,
        engagement_metrics=fields.pop("metrics", metrics),
        time_precision=fields.pop("time_precision", "exact"),
        **fields,
    )
    db.add(post)
    return post


@pytest.fixture
def me(user_factory):
    return user_factory(timezone="America/New_York")


@pytest.fixture
def headers(me, auth_headers):
    return auth_headers(me)


def by_bucket(figures: list[dict]) -> dict[str, dict]:
    return {item["bucket"]: item for item in figures}


class TestRateDefinition:
    def test_followers_first_then_impressions_else_no_rate(self, client, db, me, headers):
        monday = datetime(2024, 1, 8, 15, 0, tzinfo=UTC)
        add_post(
            db, me, monday, likes=8, comments=1, shares=1, followers=1000, impressions=50
        )  # 1% by followers
        add_post(db, me, monday, likes=3, comments=1, shares=0, impressions=100)  # 4% by impressions
        add_post(db, me, monday, likes=5)  # neither known: no rate
        add_post(db, me, monday, metrics={"visibility": "PUBLIC"})  # no counts at all
        db.commit()
        body = client.get("/api/analytics/performance", headers=headers).json()
        overall = body["overall"]
        assert overall["posts"] == 2
        assert overall["mean_rate"] == pytest.approx((0.01 + 0.04) / 2)
        assert overall["basis"] == {"followers": 1, "impressions": 1}
        assert "followers" in body["rate_definition"]


class TestPerformance:
    def test_weekday_and_hour_are_local_and_need_a_precise_time(self, client, db, me, headers):
        # 03:00 UTC on Monday 2024-01-01 is 22:00 on Sunday in New York
        add_post(db, me, datetime(2024, 1, 1, 3, 0, tzinfo=UTC), likes=1, impressions=100)
        add_post(
            db, me, datetime(2024, 1, 2, 0, 0, tzinfo=UTC), likes=1, impressions=100, time_precision="day"
        )
        add_post(
            db,
            me,
            datetime(2024, 1, 3, 12, 0, tzinfo=UTC),
            likes=1,
            impressions=100,
            time_precision="approximate",
        )
        db.commit()
        dims = client.get("/api/analytics/performance", headers=headers).json()["dimensions"]
        weekdays = by_bucket(dims["weekday"])
        assert set(weekdays) == {"Sunday", "Monday"} and weekdays["Sunday"]["posts"] == 1
        assert [item["bucket"] for item in dims["hour"]] == ["22:00"]
        assert by_bucket(dims["platform"])["twitter"]["posts"] == 3

    def test_length_hashtag_and_content_type_buckets(self, client, db, me, headers):
        when = datetime(2024, 2, 1, 15, tzinfo=UTC)
        add_post(db, me, when, content="Short #a #b", likes=1, impressions=10)
        add_post(db, me, when, content="x" * 150 + " https://example.com", likes=1, impressions=10)
        add_post(db, me, when, content="@someone thanks!", likes=0, impressions=10)
        add_post(
            db,
            me,
            when,
            platform="linkedin",
            content="y" * 1500 + " #one #two #three",
            likes=10,
            followers=1000,
        )
        db.commit()
        dims = client.get("/api/analytics/performance", headers=headers).json()["dimensions"]
        assert [item["bucket"] for item in dims["length_bucket"]] == ["0-100", "101-200", "1001-2000"]
        assert {item["bucket"]: item["posts"] for item in dims["hashtag_bucket"]} == {
            "0": 2,
            "2": 1,
            "3-5": 1,
        }
        assert set(by_bucket(dims["content_type"])) == {"text", "link", "reply"}

    def test_platform_filter_and_bad_platform(self, client, db, me, headers):
        add_post(db, me, datetime(2024, 2, 1, tzinfo=UTC), likes=1, impressions=10)
        add_post(db, me, datetime(2024, 2, 1, tzinfo=UTC), platform="linkedin", likes=1, followers=10)
        db.commit()
        body = client.get(
            "/api/analytics/performance", params={"platform": "linkedin"}, headers=headers
        ).json()
        assert body["overall"]["posts"] == 1 and body["platform"] == "linkedin"
        assert (
            client.get("/api/analytics/performance", params={"platform": "fax"}, headers=headers).status_code
            == 422
        )

    def test_other_users_posts_do_not_count(self, client, db, me, headers, user_factory):
        add_post(db, user_factory(), datetime(2024, 2, 1, tzinfo=UTC), likes=1, impressions=10)
        db.commit()
        assert client.get("/api/analytics/performance", headers=headers).json()["overall"]["posts"] == 0


class TestDashboard:
    def test_counts_totals_and_twelve_local_weeks(self, client, db, me, headers):
        # Sunday 2024-03-03 23:30 in New York is Monday 04:30 UTC: it belongs to the week of Feb 26 locally
        add_post(
            db, me, datetime(2024, 3, 4, 4, 30, tzinfo=UTC), likes=2, comments=1, shares=1, impressions=100
        )
        add_post(
            db, me, datetime(2024, 3, 5, 15, 0, tzinfo=UTC), likes=6, impressions=100, platform="linkedin"
        )
        add_post(db, me, datetime(2023, 1, 1, tzinfo=UTC), likes=100, impressions=1000)  # outside the window
        now = datetime.now(UTC)
        db.add_all(
            [
                ContentDraft(user_id=me.id, platform="linkedin", content="a", status="draft"),
                ContentDraft(user_id=me.id, platform="linkedin", content="b", status="published"),
                ContentDraft(
                    user_id=me.id,
                    platform="linkedin",
                    content="c",
                    status="scheduled",
                    scheduled_for=now + timedelta(days=30),
                ),
            ]
        )
        db.commit()
        body = client.get("/api/analytics/dashboard", params={"end": "2024-03-10"}, headers=headers).json()
        assert body["posts"] == {
            "total": 3,
            "by_platform": {"linkedin": 1, "twitter": 2},
            "with_engagement": 3,
        }
        assert body["drafts"] == {"draft": 1, "scheduled": 1, "published": 1, "failed": 0}
        assert body["scheduled_this_week"] == 0
        assert body["engagement_totals"] == {"likes": 108, "comments": 1, "shares": 1, "impressions": 1200}
        weeks = body["weekly"]
        assert len(weeks) == 12
        assert weeks[0]["week_start"] == "2023-12-18" and weeks[-1]["week_start"] == "2024-03-04"
        by_week = {week["week_start"]: week for week in weeks}
        assert by_week["2024-02-26"]["posts"] == 1 and by_week["2024-02-26"]["mean_rate"] == pytest.approx(
            0.04
        )
        assert by_week["2024-03-04"]["engagements"] == 6
        assert sum(week["posts"] for week in weeks) == 2

    def test_a_change_to_any_post_shows_at_once(self, client, db, me, headers):
        # The figures computed from the posts are kept per state of the posts: an edit that changes no
        # count (new metrics on a stored post), a new post and a deletion each show on the next read.
        post = add_post(db, me, datetime(2024, 3, 5, 15, 0, tzinfo=UTC), likes=6, impressions=100)
        db.commit()

        def totals() -> dict[str, int]:
            body = client.get("/api/analytics/dashboard", params={"end": "2024-03-10"}, headers=headers)
            return body.json()["engagement_totals"] | {"posts": body.json()["posts"]["total"]}

        assert totals() == {"likes": 6, "comments": 0, "shares": 0, "impressions": 100, "posts": 1}
        assert totals()["likes"] == 6  # read again: the same answer
        post.engagement_metrics = {"likes": 9, "impressions": 120}
        db.commit()
        assert totals() == {"likes": 9, "comments": 0, "shares": 0, "impressions": 120, "posts": 1}
        add_post(db, me, datetime(2024, 3, 6, 15, 0, tzinfo=UTC), likes=1, impressions=10)
        db.commit()
        assert totals() == {"likes": 10, "comments": 0, "shares": 0, "impressions": 130, "posts": 2}
        db.delete(post)
        db.commit()
        assert totals() == {"likes": 1, "comments": 0, "shares": 0, "impressions": 10, "posts": 1}

    def test_scheduled_this_week_is_in_the_users_week(self, client, db, me, headers):
        local_now = datetime.now(ZoneInfo("America/New_York"))
        monday = (local_now - timedelta(days=local_now.weekday())).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        times = {
            "this week": monday + timedelta(hours=1),
            "last Sunday night": monday - timedelta(minutes=30),
            "next Monday": monday + timedelta(days=7, minutes=30),
        }
        for name, when in times.items():
            db.add(
                ContentDraft(
                    user_id=me.id, platform="linkedin", content=name, status="scheduled", scheduled_for=when
                )
            )
        db.add(
            ContentDraft(
                user_id=me.id,
                platform="linkedin",
                content="draft",
                status="draft",
                scheduled_for=monday + timedelta(hours=2),
            )
        )
        db.commit()
        body = client.get("/api/analytics/dashboard", headers=headers).json()
        assert body["scheduled_this_week"] == 1 and body["drafts"]["scheduled"] == 3


class TestInsights:
    def test_too_little_history_says_so(self, client, db, me, headers):
        for day in range(5):
            add_post(db, me, datetime(2024, 1, 1 + day, 15, tzinfo=UTC), likes=day, impressions=100)
        db.commit()
        [twitter] = client.get("/api/analytics/insights", headers=headers).json()["platforms"]
        assert twitter["enough_history"] is False and twitter["rated_posts"] == 5
        assert "Too little" in twitter["sentences"][0] and twitter["best_days"] == []

    def test_no_posts_at_all(self, client, headers):
        body = client.get("/api/analytics/insights", headers=headers).json()
        assert body["platforms"] == [] and "import" in body["message"]

    def test_a_clearly_better_day_stands_out_with_its_support(self, client, db, me, headers):
        rng = random.Random(3)
        start = datetime(2024, 1, 1, 15, tzinfo=UTC)  # a Monday, 10:00 in New York
        for week in range(12):
            for offset in range(5):  # Monday to Friday
                day = start + timedelta(weeks=week, days=offset)
                rate = 0.08 if offset == 1 else 0.02  # Tuesdays do four times better
                likes = round(1000 * rate * rng.uniform(0.85, 1.15))
                add_post(db, me, day, likes=likes, impressions=1000, content=f"#data post {week}-{offset}")
        add_post(
            db, me, datetime(2024, 1, 6, 15, tzinfo=UTC), likes=900, impressions=1000
        )  # one lucky Saturday
        db.commit()
        [twitter] = client.get("/api/analytics/insights", headers=headers).json()["platforms"]
        assert twitter["enough_history"] is True
        days = by_bucket(twitter["best_days"])
        assert twitter["best_days"][0]["bucket"] == "Tuesday"
        assert days["Tuesday"]["stands_out"] is True and days["Tuesday"]["posts"] == 12
        assert days["Tuesday"]["ci_low"] < days["Tuesday"]["mean_rate"] < days["Tuesday"]["ci_high"]
        assert days["Monday"]["stands_out"] is False
        assert "Saturday" not in days  # a single post is not a finding
        assert any("Tuesday" in sentence and "12 posts" in sentence for sentence in twitter["sentences"])
        assert not any("Saturday" in sentence for sentence in twitter["sentences"])
        assert twitter["cadence"]["weeks"] == 12 and twitter["cadence"]["posts_per_week"] == pytest.approx(
            61 / 12
        )
        assert twitter["top_hashtags"][0]["bucket"] == "#data"

    def test_noise_gives_no_best_day(self, client, db, me, headers):
        rng = random.Random(11)
        start = datetime(2024, 1, 1, 15, tzinfo=UTC)
        for index in range(70):
            add_post(db, me, start + timedelta(days=index), likes=rng.randint(5, 40), impressions=1000)
        db.commit()
        [twitter] = client.get("/api/analytics/insights", headers=headers).json()["platforms"]
        assert twitter["enough_history"] is True
        assert not any(day["stands_out"] for day in twitter["best_days"])
        assert any("No day stands out" in sentence for sentence in twitter["sentences"])


class TestOnRealExports:
    def test_insights_on_a_real_x_history(self, client, me, headers):
        folder = DATASETS / "twitter_analytics_gerardtieng"
        if not folder.is_dir():
            pytest.skip(f"{folder} is not present")
        for path in sorted(folder.glob("*.csv")):
            response = client.post(
                "/api/posts/import",
                files={"file": (path.name, path.read_bytes(), "text/csv")},
                headers=headers,
            )
            assert response.status_code == 200
        body = client.get("/api/analytics/insights", headers=headers).json()
        [twitter] = body["platforms"]
        assert twitter["enough_history"] is True and twitter["rated_posts"] == 2040
        assert all(day["posts"] >= 5 for day in twitter["best_days"])
        assert twitter["sentences"]
        dashboard = client.get(
            "/api/analytics/dashboard", params={"end": date(2019, 12, 31).isoformat()}, headers=headers
        ).json()
        assert sum(week["posts"] for week in dashboard["weekly"]) > 0


def test_openapi_describes_analytics(app):
    paths = app.openapi()["paths"]
    for path in ("/api/analytics/dashboard", "/api/analytics/performance", "/api/analytics/insights"):
        assert "401" in paths[path]["get"]["responses"]
