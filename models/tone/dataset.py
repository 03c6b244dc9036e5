"""Resolve a tone training run's `dataset` parameter into labelled rows with a fixed test split.

"tone-corpus" is the corpus shipped in the package; anything else is a path: a JSONL or CSV file with
`text,label[,split]` columns, a folder of corpus JSONL files, or a TweetEval emotion folder.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from models.tone.corpus import (
    COLUMNS,
    dataset_fingerprint,
    load_tone_corpus,
    load_tweeteval_emotion,
    validate_corpus,
)

SHIPPED_CORPUS = "tone-corpus"
# Rows without a split column go to test/validation by a hash of their text, so the test split of a
# file never depends on the seed or the row order: every version is scored on the same rows.
_TEST_SHARE = 0.2
_VALIDATION_SHARE = 0.1


class DatasetError(ValueError):
    """The dataset parameter names nothing loadable, or the rows cannot train and test a classifier."""


@dataclass(frozen=True)
class ToneDataset:
    """Labelled rows (corpus columns id,text,label,platform,split) and where they came from."""

    name: str
    frame: pd.DataFrame

    def split(self, name: str) -> pd.DataFrame:
        """The rows of one split ("train", "validation" or "test")."""
        return self.frame[self.frame["split"] == name].reset_index(drop=True)

    @property
    def labels(self) -> list[str]:
        """The label set, sorted so a given dataset always gives the same label order."""
        return sorted(self.frame["label"].unique().tolist())

    def fingerprint(self) -> dict[str, Any]:
        """Content hash and counts of the whole dataset."""
        return dataset_fingerprint(self.frame)

    def test_split_hash(self) -> str:
        """Content hash of the test rows alone: two models are comparable when this matches."""
        return str(dataset_fingerprint(self.split("test"))["sha256"])


def load_dataset(spec: str) -> ToneDataset:
    """Load the dataset a flow parameter names and check it can train and test a classifier."""
    if spec == SHIPPED_CORPUS:
        dataset = ToneDataset(SHIPPED_CORPUS, load_tone_corpus())
    else:
        dataset = ToneDataset(str(spec), _load_path(Path(spec).expanduser()))
    check_trainable(dataset)
    return dataset


def _load_path(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise DatasetError(f"dataset {str(path)!r} is neither {SHIPPED_CORPUS!r} nor an existing path")
    if path.is_dir():
        if (path / "mapping.txt").is_file():
            return validate_corpus(load_tweeteval_emotion(path), source=str(path))
        return load_tone_corpus(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson"):
        frame = _read_jsonl(path)
    elif suffix == ".csv":
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    else:
        raise DatasetError(f"dataset file {path} must be .jsonl or .csv with text,label[,split] columns")
    return validate_corpus(complete_columns(frame, source=str(path)), source=str(path))


def _read_jsonl(path: Path) -> pd.DataFrame:
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return pd.DataFrame.from_records(records)


def complete_columns(frame: pd.DataFrame, source: str = "dataset") -> pd.DataFrame:
    """Fill the corpus columns a plain `text,label` file lacks: row ids, platform, a text-hash split."""
    missing = [column for column in ("text", "label") if column not in frame.columns]
    if missing:
        raise DatasetError(f"{source}: missing required columns {missing} (need text,label[,split])")
    frame = frame.copy()
    if "id" not in frame.columns:
        frame["id"] = [f"row-{index:06d}" for index in range(len(frame))]
    if "platform" not in frame.columns:
        frame["platform"] = "unknown"
    if "split" not in frame.columns or (frame["split"].astype(str).str.strip() == "").all():
        frame["split"] = [hash_split(str(text)) for text in frame["text"]]
    return frame.loc[:, list(COLUMNS)]


def hash_split(text: str) -> str:
    """A split chosen by the text's content hash: stable across runs, seeds and row order."""
    bucket = int.from_bytes(hashlib.sha256(" ".join(text.casefold().split()).encode()).digest()[:8], "big")
    share = bucket / 2**64
    if share < _TEST_SHARE:
        return "test"
    if share < _TEST_SHARE + _VALIDATION_SHARE:
        return "validation"
    return "train"


def check_trainable(dataset: ToneDataset) -> None:
    """Refuse data that cannot give a meaningful score: an empty split, one label, test labels unseen."""
    train, test = dataset.split("train"), dataset.split("test")
    if train.empty or test.empty:
        raise DatasetError(f"{dataset.name}: needs train and test rows (got {len(train)} and {len(test)})")
    if train["label"].nunique() < 2:
        raise DatasetError(f"{dataset.name}: the training rows need at least two labels")
    unseen = sorted(set(test["label"]) - set(train["label"]))
    if unseen:
        raise DatasetError(f"{dataset.name}: test labels {unseen} never appear in training")
