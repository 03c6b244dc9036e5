"""Style profile: counting rules (parametrised) and the profile's aggregates."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from models.style.embedder import VoiceEmbedder
from models.style.keywords import characteristic_terms
from models.style.profile import StyleProfile, build_style_profile
from models.style.text_features import (
    count_list_items,
    extract_emoji,
    extract_hashtags,
    extract_mentions,
    post_features,
    split_sentences,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no emoji here", []),
        ("ship it 🚀", ["🚀"]),
        ("thumbs 👍🏽 with a skin tone", ["👍🏽"]),
        ("family 👨‍👩‍👧 is one ZWJ sequence", ["👨‍👩‍👧"]),
        ("flag 🇫🇷 is two regional indicators", ["🇫🇷"]),
        ("heart ❤️ with variation selector", ["❤️"]),
        ("🎉🎉🎉 three in a row", ["🎉", "🎉", "🎉"]),
        (":) is not an emoji", []),
    ],
)
def test_emoji_are_counted_by_the_library(text: str, expected: list[str]) -> None:
    assert extract_emoji(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#DevOps tips for #sre teams", ["devops", "sre"]),
        ("we are #1 again", []),
        ("issue#42 and C# are not hashtags", []),
        ("see https://example.com/page#section", []),
        ("#café culture", ["café"]),
        ("#ai2025 trends", ["ai2025"]),
    ],
)
def test_hashtags(text: str, expected: list[str]) -> None:
    assert extract_hashtags(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thanks @alice_dev and @Bob!", ["alice_dev", "bob"]),
        ("mail me at jane@example.com", []),
        ("@user @user", ["user", "user"]),
        ("no mentions", []),
    ],
)
def test_mentions(text: str, expected: list[str]) -> None:
    assert extract_mentions(text) == expected


@pytest.mark.parametrize(
    ("text", "sentences", "questions"),
    [
        ("One. Two? Three!", 3, 1),
        ("What do you think?", 1, 1),
        ("Line one\nLine two\n\nLine three", 3, 0),
        ("Is this a question? Yes. Really?", 3, 2),
        ("Version 2.0 ships today", 1, 0),
        ("🎉🎉\n#launch", 0, 0),
    ],
)
def test_sentences_and_questions(text: str, sentences: int, questions: int) -> None:
    features = post_features(text)
    assert len(split_sentences(text)) == sentences
    assert features.question_sentences == questions


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("Three tips:\n1. Sleep\n2. Eat\n3. Move", 3),
        ("- one\n- two", 2),
        ("• alpha\n• beta\n• gamma", 3),
        ("✅ Ship small PRs\n✅ Review daily", 2),
        ("1. Only one numbered line", 0),
        ("A paragraph.\nAnother paragraph.", 0),
    ],
)
def test_list_items(text: str, items: int) -> None:
    assert count_list_items(text) == items


@pytest.mark.parametrize(
    ("text", "line_breaks", "blank_lines"),
    [
        ("one line", 0, 0),
        ("a\nb", 1, 0),
        ("a\n\nb\n\nc", 4, 2),
        ("trailing\n\n", 0, 0),
    ],
)
def test_line_breaks(text: str, line_breaks: int, blank_lines: int) -> None:
    features = post_features(text)
    assert (features.line_breaks, features.blank_lines) == (line_breaks, blank_lines)


POSTS = [
    "Shipped our new billing flow today 🚀\n\nWhat we learned:\n1. Test with real invoices\n"
    "2. Ship behind a flag\n\n#fintech #shipping",
    "Coffee first, then code ☕ What's your morning ritual?",
    "Invoices are the product. Everything else is decoration. #fintech",
    "Thanks @maria for the review! Billing flow is live 🎉🎉",
]
BILLING_POSTS = [
    "Our billing flow now handles refunds in one click.",
    "Billing flow update: invoices go out on the first of the month.",
    "Invoices are the product. Everything else is decoration.",
    "Why does every billing flow break at month end? Invoices, taxes, refunds.",
    "Rewrote the invoices page today. The billing flow is finally fast, and the team loved it.",
    "Small win: refunds no longer need a support ticket.",
]
# A background large enough for the log-odds test to separate topic words from common ones.
BACKGROUND = [
    f"{subject} {verb} {topic} today."
    for subject, verb, topic in itertools.product(
        ["Our team", "My manager", "The new intern", "A good leader", "Every founder"],
        ["planned", "shared", "celebrated", "reviewed", "discussed"],
        ["the next quarter", "a hiring update", "the weekend plans", "a product launch",
         "lessons from ten years", "a quick tip on emails", "the conference talk", "our customer stories"],
    )
]  # fmt: skip


class TestProfile:
    def test_aggregates_over_posts(self) -> None:
        profile = build_style_profile(POSTS, BACKGROUND, with_embedding=False)
        assert profile.post_count == 4
        assert profile.emoji.per_post == pytest.approx(4 / 4)
        assert profile.emoji.posts_with_emoji_ratio == pytest.approx(3 / 4)
        assert profile.emoji.top[0].item == "🎉" and profile.emoji.top[0].count == 2
        assert profile.hashtags.top[0].item == "fintech" and profile.hashtags.top[0].count == 2
        assert profile.mentions.per_post == pytest.approx(1 / 4)
        assert profile.questions.posts_with_question_ratio == pytest.approx(1 / 4)
        assert profile.layout.posts_with_list_ratio == pytest.approx(1 / 4)
        assert profile.layout.ends_with_hashtag_block_ratio == pytest.approx(1 / 4)
        assert profile.voice_embedding is None

    def test_is_deterministic_and_json_ready(self) -> None:
        first = build_style_profile(POSTS, BACKGROUND, with_embedding=False).model_dump()
        second = build_style_profile(list(reversed(POSTS)), BACKGROUND, with_embedding=False).model_dump()
        assert first == second
        assert StyleProfile.model_validate(json.loads(json.dumps(first))).model_dump() == first

    def test_characteristic_words_are_what_the_user_repeats(self) -> None:
        profile = build_style_profile(BILLING_POSTS, BACKGROUND, with_embedding=False)
        words = [term.term for term in profile.characteristic_words]
        assert {"billing", "invoices", "refunds"} <= set(words)
        assert "team" not in words
        assert "billing flow" in [term.term for term in profile.characteristic_phrases]

    def test_a_word_used_in_one_post_only_is_not_characteristic(self) -> None:
        terms = characteristic_terms(BILLING_POSTS, BACKGROUND, n=1)
        assert "decoration" not in [term.term for term in terms]

    def test_words_everyone_uses_are_not_characteristic(self) -> None:
        terms = characteristic_terms(BILLING_POSTS + BACKGROUND[:5], BACKGROUND, n=1)
        assert "weekend" not in [term.term for term in terms]

    def test_readability_prefers_short_plain_sentences(self) -> None:
        simple = build_style_profile(["We won. It was fun. See you soon."], BACKGROUND, with_embedding=False)
        dense = build_style_profile(
            ["Organisational transformation necessitates comprehensive reconsideration of institutional "
             "accountability frameworks and interdisciplinary collaboration methodologies."],
            BACKGROUND,
            with_embedding=False,
        )  # fmt: skip
        assert simple.readability.flesch_reading_ease > dense.readability.flesch_reading_ease
        assert simple.readability.flesch_kincaid_grade < dense.readability.flesch_kincaid_grade

    def test_refuses_no_posts(self) -> None:
        with pytest.raises(ValueError, match="at least one"):
            build_style_profile(["   ", ""], BACKGROUND, with_embedding=False)


@pytest.fixture(scope="module")
def embedder() -> VoiceEmbedder:
    return VoiceEmbedder()


class TestVoiceEmbedding:
    def test_voice_vector_is_the_normalised_mean(self, embedder: VoiceEmbedder) -> None:
        vectors = embedder.embed(POSTS)
        assert vectors.shape == (4, 384)
        voice = np.asarray(embedder.voice_vector(POSTS))
        expected = vectors.mean(axis=0) / np.linalg.norm(vectors.mean(axis=0))
        np.testing.assert_allclose(voice, expected, atol=1e-5)
        assert np.linalg.norm(voice) == pytest.approx(1.0, abs=1e-5)

    def test_own_posts_are_closer_to_the_voice_than_unrelated_text(self, embedder: VoiceEmbedder) -> None:
        voice = np.asarray(embedder.voice_vector(POSTS[:3]))
        related, unrelated = embedder.embed(
            ["The billing flow is live, thanks for the review!", "The recipe needs two eggs and flour."]
        )
        assert float(related @ voice) > float(unrelated @ voice)

    def test_profile_keeps_the_voice_vector(self, embedder: VoiceEmbedder) -> None:
        profile = build_style_profile(POSTS, BACKGROUND, embedder=embedder)
        assert profile.voice_embedding is not None and len(profile.voice_embedding) == 384

    def test_model_loads_lazily(self) -> None:
        assert VoiceEmbedder()._session is None
