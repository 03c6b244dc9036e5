"""Platform length rules, counted the way X and LinkedIn count."""

from __future__ import annotations

import pytest

from api.content.length import (
    LINKEDIN_MAX_CHARS,
    X_MAX_WEIGHTED_LENGTH,
    check_length,
    split_thread,
    x_weighted_length,
)


class TestXWeightedLength:
    def test_latin_counts_one(self):
        assert x_weighted_length("a" * 10) == 10

    def test_cjk_counts_two(self):
        assert x_weighted_length("日本語") == 6

    def test_any_url_counts_twenty_three(self):
        assert x_weighted_length("https://example.com/" + "a" * 200) == 23

    def test_a_family_emoji_is_one_emoji_weighing_two(self):
        assert x_weighted_length("👩‍👩‍👧‍👦") == 2

    @pytest.mark.parametrize(
        ("text", "valid"),
        [("a" * 280, True), ("a" * 281, False), ("日" * 140, True), ("日" * 141, False)],
    )
    def test_the_280_limit_is_weighted(self, text, valid):
        assert check_length("twitter", text).valid is valid

    def test_a_long_url_does_not_make_a_tweet_too_long(self):
        assert check_length("twitter", "a" * 250 + " https://example.com/" + "b" * 300).valid

    def test_too_long_suggests_a_thread(self):
        result = check_length("twitter", "a" * 300)
        assert result.parts[0].length == 300
        assert "thread" in result.problems[0]


class TestThreads:
    def test_each_tweet_is_checked(self):
        result = check_length("twitter", "a" * 200 + "\n---\n" + "b" * 300 + "\n---\nc", "thread")
        assert not result.valid
        assert [part.valid for part in result.parts] == [True, False, True]
        assert result.problems == [
            f"tweet 2 of the thread is 300 weighted characters; X allows {X_MAX_WEIGHTED_LENGTH}"
        ]

    def test_a_valid_thread_may_exceed_280_in_total(self):
        assert check_length("twitter", ("a" * 250 + "\n---\n") * 3 + "end", "thread").valid

    def test_an_empty_tweet_in_a_thread_is_invalid(self):
        result = check_length("twitter", "one\n---\n\n---\nthree", "thread")
        assert result.problems == ["tweet 2 of the thread is empty"]

    def test_split_on_separator_lines_only(self):
        assert split_thread("a --- b\n---\nc") == ["a --- b", "c"]


class TestLinkedIn:
    def test_three_thousand_characters(self):
        assert check_length("linkedin", "a" * LINKEDIN_MAX_CHARS).valid
        assert not check_length("linkedin", "a" * (LINKEDIN_MAX_CHARS + 1)).valid

    def test_astral_emoji_count_two(self):
        assert check_length("linkedin", "😀" * 1500).valid
        assert not check_length("linkedin", "😀" * 1501).valid

    def test_a_linkedin_post_is_not_held_to_x_rules(self):
        assert check_length("linkedin", "a" * 1000).valid


def test_empty_posts_are_invalid_everywhere():
    assert not check_length("linkedin", "  ").valid
    assert not check_length("twitter", "").valid
