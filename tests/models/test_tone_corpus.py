"""Data checks on the shipped tone corpus, and the loaders' validation rules."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from models.style.text_features import post_features
from models.tone.corpus import (
    SPLITS,
    TONES,
    CorpusError,
    corpus_dir,
    dataset_fingerprint,
    load_tone_corpus,
    load_tweeteval_emotion,
)

TWEETEVAL = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "tweeteval" / "emotion"


@pytest.fixture(scope="module")
def corpus() -> pd.DataFrame:
    files = sorted(corpus_dir().glob("*.jsonl"))
    if not files:
        pytest.skip(f"the tone corpus files (part_*.jsonl) are not in {corpus_dir()} yet")
    return load_tone_corpus()


class TestShippedCorpus:
    def test_every_tone_has_at_least_200_posts(self, corpus: pd.DataFrame) -> None:
        counts = corpus["label"].value_counts()
        assert set(counts.index) == set(TONES)
        assert counts.min() >= 200, counts.to_dict()

    def test_every_tone_is_in_every_split_about_70_15_15(self, corpus: pd.DataFrame) -> None:
        shares = pd.crosstab(corpus["label"], corpus["split"], normalize="index")
        assert set(shares.columns) == set(SPLITS)
        assert shares["train"].between(0.62, 0.78).all(), shares.round(3).to_dict()
        assert shares["validation"].between(0.10, 0.20).all(), shares.round(3).to_dict()
        assert shares["test"].between(0.10, 0.20).all(), shares.round(3).to_dict()

    def test_no_text_is_shared_between_splits(self, corpus: pd.DataFrame) -> None:
        key = corpus["text"].str.casefold().str.split().str.join(" ")
        per_text = corpus.assign(key=key).groupby("key")["split"].nunique()
        assert (per_text == 1).all(), per_text[per_text > 1].index[:5].tolist()

    def test_platforms_are_known(self, corpus: pd.DataFrame) -> None:
        assert set(corpus["platform"]) <= {"linkedin", "twitter", "x"}

    @pytest.mark.parametrize(
        "cue",
        ["emoji", "hashtags", "question_sentences", "list_items"],
    )
    def test_surface_cues_do_not_give_the_tone_away(self, corpus: pd.DataFrame, cue: str) -> None:
        """Cues appear in every tone at similar rates; a tone without them would teach a shortcut."""
        present = corpus["text"].map(lambda text: bool(getattr(post_features(text), cue)))
        rates = present.groupby(corpus["label"]).mean()
        assert rates.max() - rates.min() <= 0.15, rates.round(2).to_dict()


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    return path


def _row(i: int, text: str, split: str = "train", label: str = "casual") -> dict[str, str]:
    return {"id": f"T-{i}", "text": text, "label": label, "platform": "linkedin", "split": split}


class TestLoader:
    def test_reads_every_part_and_normalises_split_names(self, tmp_path: Path) -> None:
        _write(tmp_path / "part_a.jsonl", [_row(1, "first post"), _row(2, "second post", "val")])
        _write(tmp_path / "part_b.jsonl", [_row(3, "third post", "test", "humorous")])
        frame = load_tone_corpus(tmp_path)
        assert list(frame.columns) == ["id", "text", "label", "platform", "split"]
        assert frame["split"].tolist() == ["train", "validation", "test"]

    @pytest.mark.parametrize(
        ("rows", "message"),
        [
            ([_row(1, "same text"), _row(2, "Same  TEXT", "test")], "more than once"),
            ([_row(1, "a post"), _row(1, "another post")], "duplicate ids"),
            ([_row(1, "a post", "holdout")], "unknown split"),
            ([_row(1, "   ")], "empty text"),
            ([{"id": "T-1", "text": "no label", "platform": "x", "split": "train"}], "missing columns"),
        ],
    )
    def test_refuses_bad_rows(self, tmp_path: Path, rows: list[dict[str, str]], message: str) -> None:
        _write(tmp_path / "part_a.jsonl", rows)
        with pytest.raises(CorpusError, match=message):
            load_tone_corpus(tmp_path)

    def test_missing_folder_is_a_clear_error(self, tmp_path: Path) -> None:
        with pytest.raises(FileNotFoundError, match="no tone corpus files"):
            load_tone_corpus(tmp_path / "nowhere")


class TestFingerprint:
    def test_ignores_row_order_but_not_content(self, tmp_path: Path) -> None:
        rows = [_row(1, "first post"), _row(2, "second post", "test", "humorous")]
        frame = load_tone_corpus(_write(tmp_path / "a.jsonl", rows))
        shuffled = frame.iloc[::-1].reset_index(drop=True)
        relabelled = frame.assign(label=["casual", "casual"])
        assert dataset_fingerprint(frame) == dataset_fingerprint(shuffled)
        assert dataset_fingerprint(frame)["sha256"] != dataset_fingerprint(relabelled)["sha256"]
        assert dataset_fingerprint(frame)["per_split"] == {"test": 1, "train": 1}


@pytest.mark.skipif(not TWEETEVAL.is_dir(), reason=f"TweetEval emotion is not at {TWEETEVAL}")
def test_tweeteval_emotion_keeps_the_official_splits() -> None:
    frame = load_tweeteval_emotion(TWEETEVAL)
    assert frame.groupby("split").size().to_dict() == {"test": 1421, "train": 3257, "validation": 374}
    assert set(frame["label"]) == {"anger", "joy", "optimism", "sadness"}
    assert set(frame["platform"]) == {"twitter"}
    assert frame["id"].is_unique
