"""How long a variant may run: the token budget bound by the platform's limit, the length the prompt asks
for (the user's median post there), and an answer cut off at the budget kept to its whole sentences."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from api.core.config import get_settings
from api.generation.schemas import GenerateIn
from api.generation.service import (
    CHARS_PER_TOKEN,
    _completion,
    asked_length,
    borrowed_example,
    build_messages,
    example_for_prompt,
    habits_of,
    max_tokens,
)
from api.history.models import UserPost
from api.platforms import registry
from tests.generation.conftest import OWN_POSTS


class TestBudget:
    def test_an_x_post_gets_the_limit_in_tokens_a_linkedin_post_and_a_thread_the_setting(self):
        assert max_tokens(registry.get("twitter"), False, 300) == 112 == round(280 / CHARS_PER_TOKEN)
        assert max_tokens(registry.get("linkedin"), False, 300) == 300  # 3,000 characters: the setting bounds
        assert max_tokens(registry.get("twitter"), True, 300) == 300  # a thread has no limit of its own
        assert max_tokens(registry.get("twitter"), False, 64) == 64  # LLM_MAX_TOKENS stays the ceiling

    def test_habits_are_the_median_post_in_characters_words_and_hashtags(self):
        habits = habits_of(["one two three #a", "one two three four five six #a #b", "one"])
        assert habits == {"chars": 16.0, "words": 4.0, "hashtags": 1.0}
        assert habits_of([])["chars"] == 200.0

    def test_the_asked_length_is_the_median_kept_under_the_platforms_limit(self):
        x, linkedin = registry.get("twitter"), registry.get("linkedin")
        assert asked_length(x, {"chars": 120.0, "words": 20.0}) == (20, 120)
        # a LinkedIn writer's 900-character habit, asked on X: nine tenths of 280
        assert asked_length(x, {"chars": 900.0, "words": 150.0}) == (42, 252)
        assert asked_length(linkedin, {"chars": 900.0, "words": 150.0}) == (150, 900)
        assert asked_length(x, {"chars": 300.0}) == (42, 252)  # words estimated from characters

    def test_the_prompt_asks_for_the_users_length(self):
        user = SimpleNamespace(name="Ada", role=None, company=None, niche=None)
        body = GenerateIn(platform="twitter", topic="mentoring engineers")
        messages = build_messages(user, body, [], None, {"chars": 120.0, "words": 20.0, "hashtags": 1.0})
        assert "X posts are about 20 words (120 characters) long" in messages[0]["content"]
        assert "names of people" in messages[0]["content"]
        assert messages[-1]["content"].startswith("Write a post of about 20 words about: mentoring engineers")
        thread = build_messages(user, body.model_copy(update={"thread": True}), [], None, {"chars": 120.0})
        assert "each post of the thread about that long" in thread[0]["content"]
        assert "words about:" not in thread[-1]["content"]


class TestExamples:
    @pytest.mark.parametrize(
        ("post", "shown"),
        [
            ("@ana @bo_b Thanks, that chart is lovely!", "Thanks, that chart is lovely!"),
            ("New release out https://t.co/abc with notes https://t.co/de", "New release out with notes"),
            (
                "Day 1 of @hack:\n\n#dataviz with @jo! https://t.co/x \nhttps://t.co/y",
                "Day 1 of @hack:\n\n#dataviz with @jo!",
            ),
            ("@ana yes, agreed", ""),  # a reply with too little of its own
            ("https://t.co/abc", ""),
            ("https://t.co/abc @bo loved the meetup plots today", "loved the meetup plots today"),
        ],
    )
    def test_an_example_is_shown_without_links_or_the_handles_a_reply_opens_with(self, post, shown):
        assert example_for_prompt(post) == shown
        assert example_for_prompt(shown) == shown  # shown twice (chosen, then put in the prompt): the same

    def test_the_prompt_shows_the_cleaned_examples_and_skips_the_empty_ones(self):
        user = SimpleNamespace(name="Ada", role=None, company=None, niche=None)
        body = GenerateIn(platform="twitter", topic="plots")
        posts = [
            "@bo Loved the plots at the meetup today https://t.co/x",
            "@bo ok",
            "Plots are arguments, drawn",
        ]
        messages = build_messages(user, body, posts, None, {})
        shown = [message["content"] for message in messages if message["role"] == "assistant"]
        assert shown == ["Loved the plots at the meetup today", "Plots are arguments, drawn"]


class TestBorrowedExamples:
    """A user asking for a platform they have no posts on is shown their posts from elsewhere, cut to the
    asked length at whole sentences."""

    LONG = (
        "Something I learned early in my data science journey: consistency beats talent. "
        "I learned Python on the train to work, one hour a day https://lnkd.in/abc for two years. "
        "Nobody saw it, and it compounded. " + "Keep going. " * 30
    )

    @pytest.mark.parametrize("chars", [90, 150, 200])
    def test_a_long_post_is_shown_as_its_opening_sentences_that_fit(self, chars):
        x = registry.get("twitter")
        shown = borrowed_example(self.LONG, x, chars)
        assert 0 < x.length.count(shown) <= chars
        assert example_for_prompt(self.LONG).startswith(shown) and shown.endswith(".")
        assert "lnkd.in" not in borrowed_example(self.LONG, x, 280)  # cleaned first, as any example

    def test_a_post_whose_first_sentence_is_too_long_or_too_short_is_not_shown(self):
        x = registry.get("twitter")
        assert borrowed_example(self.LONG, x, 40) == ""
        # Only "Thrilled!" fits: too few words of their own to show.
        assert borrowed_example("Thrilled! " + "so many words " * 30 + "here.", x, 200) == ""


@pytest.mark.parametrize(("reason", "truncated"), [("length", True), ("stop", False), (None, False)])
def test_a_completion_says_whether_it_stopped_at_the_token_limit(reason, truncated):
    response = SimpleNamespace(
        choices=[SimpleNamespace(message=SimpleNamespace(content="Hi there."), finish_reason=reason)],
        usage=SimpleNamespace(prompt_tokens=10, completion_tokens=5),
    )
    assert _completion(response, get_settings()) == ("Hi there.", 10, 5, truncated)


def generate(client, headers, **body):
    payload = {"platform": "linkedin", "topic": "hiring engineers", "variants": 1} | body
    return client.post("/api/content/generate", headers=headers, json=payload)


class TestThroughTheApi:
    def test_an_x_request_is_bounded_by_the_limit_and_asks_for_a_length(
        self, client, auth_headers, writer, llm
    ):
        fake = llm(["Hiring is a team sport: who interviews on your team?"])
        assert generate(client, auth_headers(writer), platform="x").status_code == 201
        assert fake.requests[0]["max_tokens"] == 112
        assert "of about 33 words" in fake.requests[0]["messages"][-1]["content"]  # no X posts: the default
        generate(client, auth_headers(writer))
        linkedin = fake.requests[1]
        assert linkedin["max_tokens"] == get_settings().llm_max_tokens
        words = sorted(len(text.split()) for text in [m["content"] for m in linkedin["messages"][1:-1:2]])
        assert (
            "words (" in linkedin["messages"][0]["content"] and words
        )  # the writer's median, from their posts

    def test_no_posts_on_the_platform_shows_the_users_posts_elsewhere_at_its_length(
        self, client, auth_headers, writer, llm, db
    ):
        long_post = (
            "Grace Hopper taught me that the scorecard comes first. We wrote ours before a single interview "
            "this quarter. " + "Then we hired, one careful week at a time. " * 12
        )
        db.add(
            UserPost(
                user_id=writer.id, platform="linkedin", content=long_post, external_id="long",
                posted_at=datetime(2025, 3, 1, tzinfo=UTC), engagement_metrics={"likes": 500},
            )
        )  # fmt: skip
        db.flush()
        opening = "Grace Hopper taught me that the scorecard comes first."
        fake = llm(
            [
                opening + " We wrote ours before a single interview this quarter.",  # a copy of what it saw
                "Grace Hopper was right about hiring: the scorecard comes first.",
            ]
        )
        response = generate(client, auth_headers(writer), platform="x", topic="the hiring scorecard")
        assert response.status_code == 201, response.text
        [draft] = response.json()["drafts"]
        # A name the user wrote on LinkedIn is theirs; a near copy of a shown opening is written again.
        assert draft["content"].startswith("Grace Hopper was right") and draft["generation"]["tries"] == 2
        assert draft["generation"]["voice_from"] == ["linkedin"]  # the draft says whose voice it borrowed
        shown = [m["content"] for m in fake.requests[0]["messages"] if m["role"] == "assistant"]
        assert shown and all(registry.get("twitter").length.count(text) <= 200 for text in shown)
        assert any(text.startswith(opening) for text in shown)
        assert all(text in {post.format(i=i) for post in OWN_POSTS for i in range(15)} or
                   long_post.startswith(text) for text in shown)  # fmt: skip
        # With posts on the platform, only those are shown.
        on_linkedin = generate(client, auth_headers(writer), topic="the hiring scorecard")
        assert "voice_from" not in on_linkedin.json()["drafts"][0]["generation"]
        linkedin_shown = [m["content"] for m in fake.requests[-1]["messages"] if m["role"] == "assistant"]
        assert long_post.strip() in linkedin_shown

    def test_only_hashtags_is_regenerated(self, client, auth_headers, writer, llm):
        """What the local model stored as an X draft on main, for a LinkedIn-only history."""
        fake = llm(["#Mentoring#HackingItArses", "Mentoring engineers is a two-way street."])
        response = generate(client, auth_headers(writer), platform="x", topic="mentoring engineers")
        assert response.status_code == 201, response.text
        [draft] = response.json()["drafts"]
        assert draft["content"] == "Mentoring engineers is a two-way street."
        assert draft["generation"]["tries"] == 2 and len(fake.requests) == 2
        assert (
            "words of its own, not only hashtags, mentions or links" in draft["generation"]["checks_passed"]
        )

    def test_a_quotation_credited_to_someone_the_user_never_named_is_regenerated(
        self, client, auth_headers, writer, llm
    ):
        invented = (
            'Steve Jobs once wrote an article on hiring: "Hire people smarter than you." '
            "Write the scorecard first."
        )
        fake = llm([invented, "Our hiring starts with the scorecard. Then the interviews."])
        response = generate(client, auth_headers(writer))
        assert response.status_code == 201, response.text
        [draft] = response.json()["drafts"]
        assert "Steve Jobs" not in draft["content"] and draft["generation"]["tries"] == 2
        assert len(fake.requests) == 2

    def test_the_users_own_name_company_and_notes_may_be_named(self, client, auth_headers, writer, llm):
        text = (
            'At Analytical Engines, Ada Lovelace says "hire for curiosity". Grace Hopper agreed: '
            "write the scorecard first."
        )
        llm([text])
        response = generate(client, auth_headers(writer), notes='Grace Hopper; "hire for curiosity"')
        assert response.status_code == 201, response.text
        assert response.json()["drafts"][0]["generation"]["tries"] == 1
