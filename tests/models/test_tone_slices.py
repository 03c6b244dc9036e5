"""The slice rules of the tone evaluation: which posts each slice holds and when it gets no figure."""

from __future__ import annotations

import subprocess
import sys

import pytest

from models.tone.inference import report_for
from models.tone.slices import MIN_POSTS, SliceScore, long_threshold, slice_metrics, slice_rows, slice_scores

LABELS = ["casual", "professional"]


def by_name(slices: list[SliceScore]) -> dict[str, SliceScore]:
    return {entry.name: entry for entry in slices}


def plain(count: int, prefix: str = "post") -> list[str]:
    return [f"{prefix} {i}" for i in range(count)]


class TestAll:
    def test_all_is_the_plain_report_of_every_post(self) -> None:
        texts = plain(30)
        truth = ["casual"] * 15 + ["professional"] * 15
        predicted = ["casual"] * 20 + ["professional"] * 10
        entry = by_name(slice_scores(texts, truth, predicted, LABELS))["all"]
        report = report_for(LABELS, truth, predicted)
        assert entry.count == 30
        assert entry.labels_present == 2
        assert entry.macro_f1 == pytest.approx(report.macro_f1)
        assert entry.accuracy == pytest.approx(report.accuracy)
        assert entry.reason is None

    def test_slices_come_in_a_fixed_order(self) -> None:
        texts = plain(4)
        names = [entry.name for entry in slice_scores(texts, ["casual"] * 4, ["casual"] * 4, LABELS)]
        assert names == ["all", "long", "emoji_heavy"]
        with_platforms = slice_scores(texts, ["casual"] * 4, ["casual"] * 4, LABELS, ["linkedin"] * 4)
        assert [entry.name for entry in with_platforms] == ["all", "linkedin", "x", "long", "emoji_heavy"]

    def test_slice_rows_name_the_posts_of_each_slice(self) -> None:
        texts = ["a" * 10] * 3 + ["b" * 500, "c 🎉🎉"]
        platforms = ["linkedin", "twitter", "x", "linkedin", "unknown"]
        rows = {name: members for name, _, members in slice_rows(texts, platforms)}
        assert rows == {
            "all": [0, 1, 2, 3, 4],
            "linkedin": [0, 3],
            "x": [1, 2],
            "long": [3],
            "emoji_heavy": [4],
        }

    def test_lengths_must_match(self) -> None:
        with pytest.raises(ValueError, match="predictions"):
            slice_scores(plain(3), ["casual"] * 3, ["casual"] * 2, LABELS)
        with pytest.raises(ValueError, match="platforms"):
            slice_scores(plain(3), ["casual"] * 3, ["casual"] * 3, LABELS, ["x"] * 2)

    def test_an_empty_set_gives_counts_of_zero_and_no_figures(self) -> None:
        for entry in slice_scores([], [], [], LABELS, []):
            assert (entry.count, entry.macro_f1, entry.accuracy) == (0, None, None)
            assert entry.reason


class TestSmallSlices:
    def test_below_the_minimum_the_count_stays_and_the_figures_are_null_with_a_reason(self) -> None:
        texts = plain(MIN_POSTS - 1)
        entry = by_name(slice_scores(texts, ["casual"] * len(texts), ["casual"] * len(texts), LABELS))["all"]
        assert entry.count == MIN_POSTS - 1
        assert entry.macro_f1 is None and entry.accuracy is None
        assert entry.reason is not None
        assert str(MIN_POSTS - 1) in entry.reason and str(MIN_POSTS) in entry.reason

    def test_at_the_minimum_the_slice_is_scored(self) -> None:
        texts = plain(MIN_POSTS)
        entry = by_name(slice_scores(texts, ["casual"] * len(texts), ["casual"] * len(texts), LABELS))["all"]
        assert (entry.count, entry.macro_f1, entry.accuracy, entry.reason) == (MIN_POSTS, 1.0, 1.0, None)

    def test_the_minimum_can_be_set(self) -> None:
        texts = plain(5)
        entry = by_name(slice_scores(texts, ["casual"] * 5, ["casual"] * 5, LABELS, min_posts=5))["all"]
        assert entry.macro_f1 == 1.0
        with pytest.raises(ValueError):
            slice_scores(texts, ["casual"] * 5, ["casual"] * 5, LABELS, min_posts=0)


class TestPlatforms:
    def test_no_platforms_no_platform_slices(self) -> None:
        names = {entry.name for entry in slice_scores(plain(3), ["casual"] * 3, ["casual"] * 3, LABELS)}
        assert not names & {"linkedin", "x"}

    def test_platforms_all_unknown_give_no_platform_slices(self) -> None:
        slices = slice_scores(plain(3), ["casual"] * 3, ["casual"] * 3, LABELS, ["unknown", "unknown", None])
        assert not {entry.name for entry in slices} & {"linkedin", "x"}

    def test_twitter_and_x_are_one_platform_and_unknown_ones_are_in_neither(self) -> None:
        platforms = ["twitter"] * 22 + ["X"] * 3 + [" LinkedIn"] * 21 + ["unknown"] * 4
        texts = plain(len(platforms))
        truth = ["casual"] * len(texts)
        slices = by_name(slice_scores(texts, truth, truth, LABELS, platforms))
        assert slices["x"].count == 25
        assert slices["linkedin"].count == 21
        assert slices["all"].count == 50

    def test_each_platform_is_scored_on_its_own_posts(self) -> None:
        # Right on every LinkedIn post, wrong on every X post: the slices tell them apart, `all` does not.
        platforms = ["linkedin"] * 20 + ["twitter"] * 20
        truth = (["casual"] * 10 + ["professional"] * 10) * 2
        predicted = truth[:20] + ["professional" if label == "casual" else "casual" for label in truth[20:]]
        slices = by_name(slice_scores(plain(40), truth, predicted, LABELS, platforms))
        assert slices["linkedin"].macro_f1 == 1.0 and slices["linkedin"].accuracy == 1.0
        assert slices["x"].macro_f1 == 0.0 and slices["x"].accuracy == 0.0
        assert slices["all"].accuracy == pytest.approx(0.5)

    def test_a_platform_with_few_posts_is_reported_but_not_scored(self) -> None:
        platforms = ["linkedin"] * 30 + ["twitter"] * 3
        truth = ["casual"] * 33
        slices = by_name(slice_scores(plain(33), truth, truth, LABELS, platforms))
        assert slices["x"].count == 3 and slices["x"].macro_f1 is None and slices["x"].reason
        assert slices["linkedin"].macro_f1 == 1.0


class TestLong:
    def test_long_is_above_the_75th_percentile_of_the_evaluated_lengths(self) -> None:
        # Lengths 1..40: the 75th percentile is 30.25, so the posts of 31..40 characters are long.
        texts = ["a" * length for length in range(1, 41)]
        truth = ["casual"] * 40
        assert long_threshold(texts) == pytest.approx(30.25)
        entry = by_name(slice_scores(texts, truth, truth, LABELS, min_posts=5))["long"]
        assert entry.count == 10
        assert "30.25 characters" in entry.rule
        assert entry.macro_f1 == 1.0

    def test_surrounding_whitespace_does_not_make_a_post_long(self) -> None:
        texts = ["short"] * 3 + ["short" + " " * 500, "\n\nshort\n\n"]
        entry = by_name(slice_scores(texts, ["casual"] * 5, ["casual"] * 5, LABELS))["long"]
        assert entry.count == 0

    def test_the_long_slice_is_scored_on_its_own_posts(self) -> None:
        texts = ["x" * 10] * 30 + ["y" * 900] * 10
        truth = ["casual"] * 20 + ["professional"] * 10 + ["casual"] * 5 + ["professional"] * 5
        predicted = truth[:30] + ["professional"] * 10  # every long casual post missed
        entry = by_name(slice_scores(texts, truth, predicted, LABELS, min_posts=10))["long"]
        report = report_for(LABELS, truth[30:], predicted[30:])
        assert entry.count == 10
        assert entry.accuracy == pytest.approx(0.5)
        assert entry.macro_f1 == pytest.approx(report.macro_f1)


class TestEmojiHeavy:
    @pytest.mark.parametrize(
        ("text", "heavy"),
        [
            ("Shipped it 🚀🚀", True),
            ("Great week 🎉 and a new hire 🙌", True),
            ("One thumbs up 👍🏽", False),  # a skin-tone sequence is one emoji
            ("Family day 👨\u200d👩\u200d👧", False),  # a ZWJ family is one emoji
            ("Two families 👨\u200d👩\u200d👧 👨\u200d👩\u200d👧", True),
            ("Smiley :) :-D <3", False),  # emoticons are not emoji
            ("No emoji at all", False),
        ],
    )
    def test_at_least_two_emoji(self, text: str, heavy: bool) -> None:
        entry = by_name(slice_scores([text], ["casual"], ["casual"], LABELS))["emoji_heavy"]
        assert entry.count == (1 if heavy else 0)

    def test_the_emoji_slice_is_scored_on_its_own_posts(self) -> None:
        texts = ["plain words"] * 20 + ["so good 😂😂"] * 20
        truth = ["professional"] * 20 + ["casual"] * 20
        predicted = ["professional"] * 20 + ["professional"] * 10 + ["casual"] * 10
        entry = by_name(slice_scores(texts, truth, predicted, LABELS))["emoji_heavy"]
        assert (entry.count, entry.labels_present) == (20, 1)
        assert entry.accuracy == pytest.approx(0.5)


class TestMetrics:
    def test_flat_metrics_give_counts_always_and_figures_only_when_scored(self) -> None:
        platforms = ["linkedin"] * 25 + ["twitter"] * 5
        truth = ["casual"] * 30
        metrics = slice_metrics(slice_scores(plain(30), truth, truth, LABELS, platforms))
        assert metrics["test_slice.all.count"] == 30
        assert metrics["test_slice.all.macro_f1"] == 1.0
        assert metrics["test_slice.linkedin.count"] == 25
        assert metrics["test_slice.linkedin.accuracy"] == 1.0
        assert metrics["test_slice.x.count"] == 5
        assert "test_slice.x.macro_f1" not in metrics and "test_slice.x.accuracy" not in metrics
        assert metrics["test_slice.emoji_heavy.count"] == 0

    def test_the_prefix_names_the_split(self) -> None:
        metrics = slice_metrics(slice_scores(plain(2), ["casual"] * 2, ["casual"] * 2, LABELS), "val_slice")
        assert set(metrics) == {"val_slice.all.count", "val_slice.long.count", "val_slice.emoji_heavy.count"}


def test_the_module_imports_no_torch() -> None:
    code = "import sys, models.tone.slices; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
