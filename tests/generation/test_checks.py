"""The output checks every generated variant passes: repairs first, then rules."""

from __future__ import annotations

import pytest

from api.content.length import x_weighted_length
from api.generation.checks import Allowed, check, repair, tells

ALLOWED = Allowed.from_texts(["I write about #hiring with @ada at https://example.com/jobs"], max_hashtags=1)


class TestRepairs:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("Here's your post:\nHiring is a team sport.", "Hiring is a team sport."),
            ("Sure! Here is a LinkedIn post:\n\nHiring is a team sport.", "Hiring is a team sport."),
            ('"Hiring is a team sport."', "Hiring is a team sport."),
            ("\u201cHiring is a team sport.\u201d", "Hiring is a team sport."),
        ],
    )
    def test_preambles_and_quotes_are_removed(self, raw, expected):
        assert repair(raw, ALLOWED)[0] == expected

    def test_invented_mentions_links_and_hashtags_are_removed_given_ones_kept(self):
        text, repairs = repair(
            "Thanks @ada and @elon! See https://example.com/jobs and https://spam.io #hiring #growth", ALLOWED
        )
        assert "@ada" in text and "@elon" not in text and "elon" in text
        assert "https://example.com/jobs" in text and "spam.io" not in text
        assert "#hiring" in text and "#growth" not in text
        assert len(repairs) == 3

    def test_hashtags_beyond_the_users_habit_are_removed(self):
        allowed = Allowed(hashtags={"a", "b", "c"}, max_hashtags=1)
        text, _ = repair("Post #a #b #c", allowed)
        assert text == "Post #a"


class TestRules:
    def test_a_clean_variant_passes_everything(self):
        checked = check(
            "Hiring is a team sport. Who on your team interviews?", "twitter", None, ALLOWED, [], []
        )
        assert checked.problems == []
        assert "fits the platform" in checked.passed

    def test_too_long_for_x_fails(self):
        checked = check("word " * 80, "twitter", None, ALLOWED, [], [])
        assert any("280" in problem for problem in checked.problems)

    @pytest.mark.parametrize("phrase", ["delve", "In today's fast-paced world", "game-changer"])
    def test_machine_writing_tells_fail(self, phrase):
        checked = check(f"{phrase} hiring tips for you.", "linkedin", None, ALLOWED, [], [])
        assert any("machine-written" in problem for problem in checked.problems)

    def test_the_tells_list_says_where_it_comes_from(self):
        assert len(tells()) > 20 and "delve" in tells()

    def test_a_near_copy_of_an_own_post_fails(self):
        own = "Three things I learned hiring engineers this year: write the scorecard first."
        checked = check(own.replace("this year", "in 2025"), "linkedin", None, ALLOWED, [own], [])
        assert any("near copy" in problem for problem in checked.problems)

    @pytest.mark.parametrize(
        ("text", "why"),
        [
            ("\U0001f34c" * 100, "has no words"),  # what the local model once wrote, a hundred bananas
            ("Tagalog words I love \U0001f34c\U0001f345" + "\U0001f3b5" * 40, "in a row"),
            ("Hiring hiring hiring. " * 8, "repeats itself"),
            ("!!!! ????", "has no words"),
        ],
    )
    def test_a_repetition_loop_or_a_post_without_words_fails(self, text, why):
        checked = check(text, "twitter", None, ALLOWED, [], [])
        assert any(why in problem for problem in checked.problems), checked.problems

    @pytest.mark.parametrize(
        "text",
        [
            "Me? Asian? \U0001f34c",
            "Shipping it!!! \U0001f389\U0001f389\U0001f389 Thanks team.",
            "YAAAAAAAAAAAAAS #WrestleMania " + "\U0001f44f" * 9,
            "Sawsawan: dipping sauce. Kilig: the flutter in your chest. Gigil: too cute to bear.",
        ],
    )
    def test_short_and_emoji_rich_posts_that_read_as_written_pass(self, text):
        assert check(text, "twitter", None, ALLOWED, [], []).problems == []

    def test_a_variant_too_close_to_another_fails(self):
        first = "Hiring is a team sport. Who on your team runs the interviews these days?"
        checked = check(first + "!", "linkedin", None, ALLOWED, [], [first])
        assert any("another variant" in problem for problem in checked.problems)


class TestThreads:
    LONG = " ".join(
        f"{opening} hiring engineers, {middle} and keeping the bar high for everyone who joins {i}."
        for i, (opening, middle) in enumerate(
            zip(
                ["First", "Then", "Later", "After that", "Meanwhile", "Next", "Again", "Still", "Finally"],
                [
                    "the scorecard",
                    "a work sample",
                    "two interviews",
                    "the debrief",
                    "references",
                    "an offer",
                    "onboarding",
                    "a buddy",
                    "the first review",
                ],
                strict=True,
            )
        )
    )

    def test_a_long_text_asked_for_as_a_thread_is_split_at_sentences_into_fitting_posts(self):
        checked = check(self.LONG, "twitter", "thread", ALLOWED, [], [])
        parts = checked.text.split("\n---\n")
        assert len(parts) >= 3 and all(x_weighted_length(part) <= 280 for part in parts)
        assert " ".join(parts) == self.LONG  # nothing lost or reordered
        assert checked.problems == [] and any("split into a thread" in r for r in checked.repairs)

    def test_parts_the_model_wrote_are_kept_and_one_too_long_is_a_problem(self):
        written = "First part.\n---\nSecond part."
        assert check(written, "twitter", "thread", ALLOWED, [], []).text == written
        one_sentence = "word " * 80
        assert check(one_sentence, "twitter", "thread", ALLOWED, [], []).problems  # written again

    def test_a_single_post_is_not_split(self):
        assert check(self.LONG, "twitter", None, ALLOWED, [], []).problems  # too long, no thread asked
