"""Labelled text for the tone classifier: the shipped tone corpus and TweetEval emotion, one shape for both.

Every loader returns a DataFrame with columns id, text, label, platform, split (train, validation, test),
so the same training code runs on any labelled text.
"""

from __future__ import annotations

import hashlib
import importlib.resources
import json
from pathlib import Path

import pandas as pd

TONES: tuple[str, ...] = (
    "professional",
    "casual",
    "inspirational",
    "educational",
    "humorous",
    "authoritative",
)
COLUMNS: tuple[str, ...] = ("id", "text", "label", "platform", "split")
SPLITS: tuple[str, ...] = ("train", "validation", "test")
_SPLIT_ALIASES = {"train": "train", "validation": "validation", "val": "validation", "dev": "validation",
                  "valid": "validation", "test": "test"}  # fmt: skip


class CorpusError(ValueError):
    """A corpus file breaks the schema or the split policy; the message names the offending rows."""


def corpus_dir() -> Path:
    """The folder of the shipped tone corpus (package data: models/data/tone_corpus)."""
    return Path(str(importlib.resources.files("models").joinpath("data", "tone_corpus")))


def load_tone_corpus(path: Path | None = None) -> pd.DataFrame:
    """Load and validate the tone corpus: every *.jsonl of a folder (default: the shipped one) or one file.

    Validation refuses missing keys, empty texts or labels, unknown splits, duplicate ids and any text that
    appears twice (a text in two splits would leak test data into training).
    """
    source = Path(path) if path is not None else corpus_dir()
    files = sorted(source.glob("*.jsonl")) if source.is_dir() else [source]
    if not files or not all(file.is_file() for file in files):
        raise FileNotFoundError(f"no tone corpus files (*.jsonl) at {source}")
    frames = [_read_jsonl(file) for file in files]
    frame = pd.concat(frames, ignore_index=True)
    return validate_corpus(frame, source=str(source))


def validate_corpus(frame: pd.DataFrame, source: str = "corpus") -> pd.DataFrame:
    """Check the common schema and return a clean copy (stripped strings, canonical split names)."""
    missing = [column for column in COLUMNS if column not in frame.columns]
    if missing:
        raise CorpusError(f"{source}: missing columns {missing}")
    frame = frame.loc[:, list(COLUMNS)].copy()
    for column in COLUMNS:
        bad = frame[column].isna() | ~frame[column].map(lambda value: isinstance(value, str | int))
        if bad.any():
            raise CorpusError(f"{source}: non-string {column} in rows {_ids(frame, bad)}")
        frame[column] = frame[column].astype(str).str.strip()
        empty = frame[column] == ""
        if empty.any():
            raise CorpusError(f"{source}: empty {column} in rows {_ids(frame, empty)}")
    frame["platform"] = frame["platform"].str.lower()
    split = frame["split"].str.lower().map(_SPLIT_ALIASES)
    if split.isna().any():
        raise CorpusError(f"{source}: unknown split in rows {_ids(frame, split.isna())}; use {SPLITS}")
    frame["split"] = split
    duplicated_ids = frame["id"].duplicated(keep=False)
    if duplicated_ids.any():
        raise CorpusError(f"{source}: duplicate ids {sorted(set(frame.loc[duplicated_ids, 'id']))[:10]}")
    key = frame["text"].map(_text_key)
    duplicated_texts = key.duplicated(keep=False)
    if duplicated_texts.any():
        rows = _ids(frame, duplicated_texts)
        raise CorpusError(f"{source}: the same text appears more than once: rows {rows}")
    return frame.reset_index(drop=True)


def load_tweeteval_emotion(root: Path) -> pd.DataFrame:
    """Load TweetEval emotion (official train/val/test files) in the corpus shape, platform "twitter".

    Texts are read line by line on "\\n" only: some tweets contain other Unicode line separators that a
    generic `splitlines()` would break apart, misaligning texts and labels.
    """
    root = Path(root)
    mapping_file = root / "mapping.txt"
    if not mapping_file.is_file():
        raise FileNotFoundError(f"no TweetEval emotion data at {root} (mapping.txt missing)")
    mapping = {}
    for line in mapping_file.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            number, name = line.split("\t")
            mapping[number.strip()] = name.strip()
    rows = []
    for file_split, split in (("train", "train"), ("val", "validation"), ("test", "test")):
        texts = _lines(root / f"{file_split}_text.txt")
        labels = _lines(root / f"{file_split}_labels.txt")
        if len(texts) != len(labels):
            raise CorpusError(f"{root}: {file_split} has {len(texts)} texts but {len(labels)} labels")
        for i, (text, label) in enumerate(zip(texts, labels, strict=True)):
            rows.append((f"{split}-{i:05d}", text.strip(), mapping[label.strip()], "twitter", split))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def dataset_fingerprint(df: pd.DataFrame) -> dict[str, object]:
    """Order-independent content hash plus row counts, for logging which data a model saw."""
    rows = df.loc[:, list(COLUMNS)].astype(str).sort_values("id", kind="stable")
    digest = hashlib.sha256()
    for record in rows.itertuples(index=False):
        digest.update(json.dumps(list(record), ensure_ascii=False).encode("utf-8"))
        digest.update(b"\n")
    return {
        "sha256": digest.hexdigest(),
        "rows": len(rows),
        "per_split": {str(k): int(v) for k, v in rows["split"].value_counts().sort_index().items()},
        "per_label": {str(k): int(v) for k, v in rows["label"].value_counts().sort_index().items()},
    }


def _read_jsonl(file: Path) -> pd.DataFrame:
    records = []
    for number, line in enumerate(file.read_text(encoding="utf-8").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise CorpusError(f"{file}:{number}: not valid JSON ({error.msg})") from error
        if not isinstance(record, dict):
            raise CorpusError(f"{file}:{number}: expected a JSON object")
        records.append(record)
    if not records:
        raise CorpusError(f"{file}: no records")
    return pd.DataFrame.from_records(records)


def _lines(file: Path) -> list[str]:
    text = file.read_text(encoding="utf-8")
    return text[:-1].split("\n") if text.endswith("\n") else text.split("\n")


def _text_key(text: str) -> str:
    return " ".join(text.casefold().split())


def _ids(frame: pd.DataFrame, mask: pd.Series) -> list[str]:
    return [str(value) for value in frame.loc[mask, "id"].head(10)]
