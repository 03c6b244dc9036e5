"""Tone against performance: the statistics on synthetic histories with a known effect, and the endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from api.analytics import tone_impact
from api.analytics.tone_impact import MIN_POSTS, MIN_TRAILING, RatedPost, Relative, by_tone, with_usual
from api.history.models import UserPost
from api.voice.models import ToneAnalysis

EFFECTS = {"educational": 1.5, "casual": 1.0, "humorous": 0.6}
SHARES = [0.3, 0.5, 0.2]


def history(n: int, effects: dict[str, float], shares: list[float], seed: int, sigma: float = 0.5):
    """`n` posts in time order: a base rate of 2% times the tone's effect times lognormal noise."""
    rng = np.random.default_rng(seed)
    tones = rng.choice(list(effects), size=n, p=shares)
    noise = rng.lognormal(0.0, sigma, size=n)
    return [
        RatedPost("twitter", str(tone), f"2026-{1 + i * 12 // n:02d}", 0.02 * effects[str(tone)] * float(e))
        for i, (tone, e) in enumerate(zip(tones, noise, strict=True))
    ]


def truth(effects: dict[str, float], shares: list[float], sigma: float = 0.5) -> dict[str, float]:
    """Each tone's effect against the usual as defined (the median rate of the whole mixture)."""
    rng = np.random.default_rng(1)
    sample = rng.choice(list(effects.values()), size=400_000, p=shares) * rng.lognormal(0, sigma, 400_000)
    usual = float(np.median(sample))
    return {tone: effect / usual for tone, effect in effects.items()}


class TestStatistics:
    def test_a_known_effect_is_found_with_its_direction(self):
        posts = with_usual(history(900, EFFECTS, SHARES, seed=3))["twitter"]
        found = {i.tone: i for i in by_tone(posts, list(EFFECTS))}
        expected = truth(EFFECTS, SHARES)
        for tone, figure in found.items():
            assert figure.low <= expected[tone] <= figure.high, (tone, figure, expected[tone])
            assert figure.low < figure.ratio < figure.high
        assert found["educational"].verdict == "better"
        assert found["humorous"].verdict == "worse"
        assert found["educational"].posts + found["casual"].posts + found["humorous"].posts == len(posts)

    def test_the_90_percent_interval_covers_the_truth_about_90_percent_of_the_time(self):
        effects, shares = {"educational": 1.3, "casual": 1.0}, [0.5, 0.5]
        expected = truth(effects, shares)["educational"]
        covered = 0
        runs = 150
        for seed in range(runs):
            posts = with_usual(history(160, effects, shares, seed=100 + seed))["twitter"]
            [figure] = [i for i in by_tone(posts, []) if i.tone == "educational"]
            covered += figure.low <= expected <= figure.high
        # A percentile bootstrap of a median on ~80 posts: near its nominal 90%, never far off.
        assert 0.80 <= covered / runs <= 0.98

    def test_no_effect_is_said_as_no_difference(self):
        flat = {"educational": 1.0, "casual": 1.0, "humorous": 1.0}
        posts = with_usual(history(900, flat, [1 / 3] * 3, seed=11))["twitter"]
        for figure in by_tone(posts, []):
            assert 0.85 < figure.ratio < 1.15
            assert figure.verdict == "no_difference"
            assert "about as well as your usual" in figure.sentence
            assert "includes no difference" in figure.sentence

    def test_below_the_floor_nothing_is_claimed(self):
        def posts(count: int) -> list[Relative]:
            return [Relative("humorous", "2026-01", 0.05, 0.01) for _ in range(count)]

        [few] = by_tone(posts(MIN_POSTS - 1), [])
        assert few.verdict == "not_enough" and few.ratio is None and few.low is None
        assert few.sentence.startswith("Not enough humorous posts to say")
        [enough] = by_tone(posts(MIN_POSTS), [])
        assert enough.verdict == "better" and enough.ratio == pytest.approx(5.0)
        # A tone the model knows but the user never wrote in is listed, with nothing claimed.
        unused = {i.tone: i for i in by_tone(posts(MIN_POSTS), ["humorous", "casual"])}["casual"]
        assert unused.posts == 0 and unused.verdict == "not_enough"

    def test_the_sentence_quotes_the_figure_its_interval_and_the_posts(self):
        rng = np.random.default_rng(5)
        posts = [
            Relative("educational", "2026-01", 0.014 * float(e), 0.01) for e in rng.lognormal(0, 0.2, 62)
        ]
        [figure] = by_tone(posts, [])
        assert figure.verdict == "better"
        low, high = (float(f"{v:.2g}") for v in (figure.low, figure.high))
        assert figure.sentence == (
            f"Your educational posts earn about {float(f'{figure.ratio:.2g}'):g}x your usual "
            f"({low:g}x-{high:g}x, 62 posts)."
        )

    def test_the_usual_is_the_trailing_median_per_platform(self):
        rates = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.0, 0.5]
        posts = [RatedPost("twitter", "casual", "2026-01", r) for r in rates]
        posts.insert(3, RatedPost("linkedin", "casual", "2026-01", 9.0))  # another platform's post
        found = with_usual(posts)
        assert "linkedin" not in found  # one post: no usual
        twitter = found["twitter"]
        # The first MIN_TRAILING posts have no usual; the sixth's is the median of the five before it.
        assert len(twitter) == len(rates) - MIN_TRAILING
        assert twitter[0].rate == 0.06 and twitter[0].usual == pytest.approx(0.03)
        assert twitter[1].usual == pytest.approx(0.035)

    def test_the_usual_looks_back_only_so_far(self):
        rates = [1.0] * 30 + [0.01] * tone_impact.TRAILING + [0.02]
        last = with_usual([RatedPost("x", None, "2026-01", r) for r in rates])["x"][-1]
        assert last.usual == pytest.approx(0.01)


class TestEndpoint:
    def add(self, db, user, when, tone, rate, platform="twitter"):
        db.add(
            UserPost(
                user_id=user.id,
                platform=platform,
                content=f"{tone} post at {when.isoformat()}",
                posted_at=when,
                engagement_metrics={"likes": round(rate * 10_000), "comments": 0, "shares": 0,
                                    "impressions": 10_000},
                tone=tone,
                tone_scores={tone: 0.9},
            )
        )  # fmt: skip

    def test_per_platform_and_per_month_with_counts(self, client, db, user_factory, auth_headers):
        me = user_factory(timezone="Europe/Berlin")
        other = user_factory()
        start = datetime(2026, 1, 1, 9, tzinfo=UTC)
        rng = np.random.default_rng(2)
        for i in range(120):
            tone = "educational" if i % 3 == 0 else "casual"
            effect = 2.0 if tone == "educational" else 1.0
            self.add(db, me, start + timedelta(days=i), tone, 0.01 * effect * float(rng.lognormal(0, 0.3)))
            self.add(db, other, start + timedelta(days=i), "humorous", 0.5)  # never in my figures
        for i in range(4):
            self.add(db, me, start + timedelta(days=i), "casual", 0.01, platform="linkedin")
        db.add(ToneAnalysis(user_id=me.id, model_version="7",
                            analysis_data={"tone_distribution": {"educational": 0.33, "casual": 0.67,
                                                                 "humorous": 0.0}}))  # fmt: skip
        db.commit()
        answer = client.get("/api/analytics/tone-performance", headers=auth_headers(me))
        assert answer.status_code == 200
        body = answer.json()
        assert body["model_version"] == "7" and body["interval"] == 0.9 and body["min_posts"] == MIN_POSTS
        assert body["message"] is None and "median" in body["baseline"]
        platforms = {p["platform"]: p for p in body["platforms"]}
        assert set(platforms) == {"twitter", "linkedin"}
        twitter = platforms["twitter"]
        assert twitter["rated_posts"] == 120 and twitter["compared_posts"] == 120 - MIN_TRAILING
        tones = {t["tone"]: t for t in twitter["tones"]}
        assert set(tones) == {"educational", "casual", "humorous"}
        assert tones["educational"]["verdict"] == "better" and 1.4 < tones["educational"]["ratio"] < 2.1
        assert tones["humorous"]["posts"] == 0 and tones["humorous"]["verdict"] == "not_enough"
        assert "posts" in tones["educational"]["sentence"]
        # Per month (Berlin time), each with its own post counts; the months add up to the whole.
        months = twitter["months"]
        assert [m["month"] for m in months] == ["2026-01", "2026-02", "2026-03", "2026-04"]
        assert sum(m["posts"] for m in months) == twitter["compared_posts"]
        # A platform with too few posts says so instead of guessing.
        assert platforms["linkedin"]["compared_posts"] == 0
        assert all(t["verdict"] == "not_enough" for t in platforms["linkedin"]["tones"])
        # Performance by tone, beside the other dimensions: every rated post under its tone.
        performance = client.get("/api/analytics/performance", headers=auth_headers(me)).json()
        by_tone_figures = {f["bucket"]: f["posts"] for f in performance["dimensions"]["tone"]}
        assert by_tone_figures == {"educational": 40, "casual": 84}
        only = client.get("/api/analytics/tone-performance?platform=x", headers=auth_headers(me)).json()
        assert [p["platform"] for p in only["platforms"]] == ["twitter"]

    def test_before_any_analysis_it_says_why(self, client, db, user_factory, auth_headers):
        me = user_factory()
        empty = client.get("/api/analytics/tone-performance", headers=auth_headers(me)).json()
        assert empty["platforms"] == [] and "import" in empty["message"]
        self.add(db, me, datetime(2026, 1, 1, tzinfo=UTC), "casual", 0.01)
        db.commit()
        waiting = client.get("/api/analytics/tone-performance", headers=auth_headers(me)).json()
        assert "No tone analysis yet" in waiting["message"]

    def test_needs_a_sign_in_and_a_known_platform(self, client, user_factory, auth_headers):
        assert client.get("/api/analytics/tone-performance").status_code == 401
        bad = client.get(
            "/api/analytics/tone-performance?platform=myspace", headers=auth_headers(user_factory())
        )
        assert bad.status_code == 422


def test_performance_by_weekday_and_hour_is_the_best_times_grid(client, db, user_factory, auth_headers):
    """Each (weekday, hour) of the user's zone with rated posts, from exact times only."""
    me = user_factory(timezone="Europe/Berlin")

    def post(when: datetime, likes: int, precision: str = "exact") -> None:
        metrics = {"likes": likes, "comments": 0, "shares": 0, "impressions": 100}
        db.add(UserPost(user_id=me.id, platform="twitter", content=f"post {when.isoformat()} {likes}",
                        posted_at=when, time_precision=precision, engagement_metrics=metrics))  # fmt: skip

    # Monday 2026-09-07 07:30 UTC is 09:30 in Berlin (summer time); 23:30 UTC is Tuesday 01:30.
    post(datetime(2026, 9, 7, 7, 30, tzinfo=UTC), 10)
    post(datetime(2026, 9, 14, 7, 10, tzinfo=UTC), 30)
    post(datetime(2026, 9, 7, 23, 30, tzinfo=UTC), 5)
    post(datetime(2026, 9, 9, 7, 0, tzinfo=UTC), 50, precision="day")  # no hour: not in the grid
    db.commit()
    body = client.get("/api/analytics/performance", headers=auth_headers(me)).json()
    grid = {f["bucket"]: (f["posts"], f["mean_rate"]) for f in body["dimensions"]["weekday_hour"]}
    assert grid == {"Monday 09:00": (2, pytest.approx(0.2)), "Tuesday 01:00": (1, pytest.approx(0.05))}
