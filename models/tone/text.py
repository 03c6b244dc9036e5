"""Text normalisation applied before tokenisation, identically at training and inference time."""

from __future__ import annotations

import re
from typing import Any

import emoji

# The uncased BERT vocabulary maps every emoji to [UNK], and a run of emoji to a single [UNK]: their meaning
# (often the strongest tone signal in a short post) is lost unless they are spelled out as words.
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")

NORMALIZATION_VERSION = "demojize-url-v1"


def _emoji_as_words(chars: str, data: dict[str, Any]) -> str:
    name = str(data.get("en", chars)).strip(":").replace("_", " ")
    return f" {name} "


def normalize_for_model(text: str) -> str:
    """Spell emoji out as their names, shorten links to `http` and collapse whitespace.

    Links carry no tone but cost up to 20 word pieces each, which would push real words past `max_length`.
    """
    text = _URL.sub(" http ", text)
    text = emoji.replace_emoji(text, replace=_emoji_as_words)
    return _WHITESPACE.sub(" ", text).strip()
