"""The output checks every generated variant passes: repairs first, then rules."""

from __future__ import annotations

import pytest

from api.content.length import x_weighted_length
from api.generation.checks import (
    Allowed,
    check,
    finish,
    prose_words,
    repair,
    tags_only,
    tells,
    unsupported_claims,
)

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


# What a user gave: their topic and notes, their profile, their own posts.
GIVEN = Allowed.from_texts(
    [
        "mentoring engineers",
        'Say that my manager told me "hire slow, fire fast" and that it stuck.',
        "Ada Lovelace, Engineering manager, Analytical Engines",
        "We moved our hiring to Analytical Engines' own scorecard this year. Grace Hopper would approve.",
        "Mentoring is a two-way street. #mentoring",
        "Great talk at the Women Who Code meetup tonight. #mentoring",
    ],
    max_hashtags=1,
)


class TestTagsOnly:
    """A post needs words of its own: at least MIN_PROSE_WORDS once hashtags, mentions and links are out."""

    @pytest.mark.parametrize(
        "text",
        [
            "#Mentoring#HackingItArses",  # what the local model stored as an X draft on main
            "#mentoring",
            "@a @b",
            "@ada",
            "https://example.com/jobs",
            "Congrats! #mentoring #hiring",
            "\U0001f389 #mentoring #hiring",
        ],
    )
    def test_a_post_of_only_hashtags_mentions_or_links_fails(self, text):
        checked = check(text, "twitter", None, ALLOWED, [], [])
        assert any("only hashtags, mentions or links" in problem for problem in checked.problems), checked

    def test_glued_hashtags_count_as_hashtags_not_words(self):
        assert prose_words("#Mentoring#HackingItArses") == 0
        assert tags_only("#Mentoring#HackingItArses") is not None

    @pytest.mark.parametrize(
        "text",
        [
            "Mentoring is a two-way street. #mentoring",
            "Great session today #mentoring #hiring",
            "Thanks @ada, see https://example.com/jobs",
            "Me? Asian? \U0001f34c",
            "\u4eca\u65e5\u306f\u6674\u308c",  # Japanese, written without spaces: 5 letters, 2 words
        ],
    )
    def test_ordinary_posts_with_a_hashtag_mention_or_link_pass(self, text):
        assert tags_only(text) is None
        assert not any(
            "only hashtags" in problem for problem in check(text, "twitter", None, ALLOWED, [], []).problems
        )


class TestNamesAndQuotes:
    """Named people, organisations, works and attributed quotations the user did not give."""

    @pytest.mark.parametrize(
        ("text", "named"),
        [
            # what the local model wrote for a LinkedIn-only history on main: an invented article, credited
            ("Steve Jobs once wrote an article about mentoring engineers. Read it twice.", "Steve Jobs"),
            (
                "I read an article in the Harvard Business Review about mentoring engineers.",
                "Harvard Business Review",
            ),
            ("According to Gartner, most mentoring programs fail in their first year.", "Gartner"),
            ("A study by McKinsey shows mentoring pays off.", "McKinsey"),
            ("Forbes reported that mentors get promoted faster.", "Forbes"),
            ("Mentoring engineers is how Satya Nadella turned Microsoft around.", "Satya Nadella"),
            ("Dr. Jane Goodall reminds us that every mentor matters.", "Jane Goodall"),
        ],
    )
    def test_a_name_the_user_never_gave_fails(self, text, named):
        checked = check(text, "linkedin", None, GIVEN, [], [])
        claims = [problem for problem in checked.problems if problem.startswith("names ")]
        assert claims and named in claims[0], checked.problems

    @pytest.mark.parametrize(
        "text",
        [
            '"Stay hungry, stay foolish." \u2014 Steve Jobs',
            "\u201cThe best way to predict the future is to invent it.\u201d - Alan Kay",
            'As Steve Jobs once said: "Great things in business are never done by one person."',
            '"Mentoring is a gift," said Simon Sinek.',
            '"Mentoring is a gift," Simon Sinek wrote.',
            'In the words of Maya Angelou, "people will never forget how you made them feel".',
        ],
    )
    def test_a_quotation_attributed_to_someone_with_words_the_user_did_not_give_fails(self, text):
        checked = check(text, "linkedin", None, GIVEN, [], [])
        assert any(problem.startswith("quotes ") for problem in checked.problems), checked.problems

    @pytest.mark.parametrize(
        "text",
        [
            # the quoted words are in the user's notes, and the one quoted is nobody named
            'My manager told me "hire slow, fire fast" and it stuck. Mentoring engineers starts there.',
            # a name the user's own posts hold, and the company of their profile
            "Grace Hopper would have loved our mentoring engineers program at Analytical Engines.",
            "Back at the Women Who Code meetup: mentoring engineers is a two-way street.",
            # capitals that name nobody: a sentence start, a greeting, a day, a Title Case headline
            "Happy Monday! Mentoring engineers is a two-way street. #mentoring",
            "Great mentors ask more than they tell.",
            "5 Things Mentoring Taught Me About Engineers\nListen first. Then ask.",
            "I learned mentoring from my first manager. She once said the best code is the code you delete.",
            # scare quotes, and a quotation with no one named
            'Mentoring is not "extra work". As a mentor once told me: "teach what you just learned".',
        ],
    )
    def test_names_and_quotes_the_user_gave_and_ordinary_capitals_pass(self, text):
        checked = check(text, "linkedin", None, GIVEN, [], [])
        assert checked.problems == [], checked.problems
        assert "no names or quotations you did not give" in checked.passed

    def test_a_quotation_from_the_notes_attributed_to_a_given_name_passes(self):
        allowed = Allowed.from_texts(['Quote Grace Hopper: "A ship in port is safe."'], max_hashtags=0)
        text = '"A ship in port is safe." - Grace Hopper. Mentoring means leaving port.'
        assert unsupported_claims(text, allowed) == []
        # the same name, words she was never quoted with
        assert unsupported_claims('"Ships are boring." - Grace Hopper', allowed)

    def test_the_problem_says_which_names(self):
        [problem] = unsupported_claims("Steve Jobs and Bill Gates both mentored engineers.", GIVEN)
        assert problem == "names Steve Jobs, Bill Gates, which your topic, notes and posts never mention"


class TestFinish:
    """An answer cut off at the token limit keeps its whole sentences (those that fit, off threads)."""

    def test_the_unfinished_sentence_is_dropped(self):
        text, repairs = finish("Mentoring matters. Ask one question a day. Then listen to the ans", None)
        assert text == "Mentoring matters. Ask one question a day." and "token limit" in repairs[0]

    def test_on_x_whole_sentences_beyond_the_limit_are_dropped_too(self):
        runaway = " ".join(
            f"Mentoring lesson {i}: ask before you tell, every single time." for i in range(12)
        )
        checked = check(runaway + " And then", "twitter", None, ALLOWED, [], [], truncated=True)
        assert checked.problems == [] and x_weighted_length(checked.text) <= 280
        assert runaway.startswith(checked.text) and checked.text.endswith("time.")
        assert any("token limit" in repair for repair in checked.repairs)

    def test_a_finished_answer_is_not_cut(self):
        runaway = " ".join(
            f"Mentoring lesson {i}: ask before you tell, every single time." for i in range(12)
        )
        checked = check(runaway, "twitter", None, ALLOWED, [], [])
        assert checked.text == runaway and any("280" in problem for problem in checked.problems)

    def test_no_sentence_end_leaves_the_text_to_the_rules(self):
        assert finish("mentoring is a two-way street and", None) == ("mentoring is a two-way street and", [])
