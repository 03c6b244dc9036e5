"""Voice match: character n-grams, MiniLM sentence embeddings and style habits against the user's posts.

The raw similarity is calibrated on the user's own held-out posts (the newest 20%, kept out of the
profile), so a score of 0.5 means "as much like you as a typical post of yours" and 1.0 "more like you
than any of them".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from models.engagement.features import form_features
from models.style.profile import VoiceEmbedder, default_embedder

STYLE_KEYS = ("chars_log", "lines", "hashtags", "mentions", "links", "emoji", "question", "list_items")
HELD_OUT_SHARE = 0.2
MIN_POSTS = 10


@dataclass
class VoiceMatch:
    score: float
    percentile: float
    closest: list[int]  # indexes into the profile's posts, most alike first
    differences: list[str]


class VoiceProfile:
    """Built from a user's posts (oldest first); `match` scores any text against it."""

    def __init__(self, posts: Sequence[str], embedder: VoiceEmbedder | None = None) -> None:
        if len(posts) < MIN_POSTS:
            raise ValueError(f"a voice profile needs at least {MIN_POSTS} posts, got {len(posts)}")
        cut = len(posts) - max(2, round(len(posts) * HELD_OUT_SHARE))
        self.posts = list(posts[:cut])
        held_out = list(posts[cut:])
        self._embedder = embedder or default_embedder()
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
        char_matrix = self._chars.fit_transform(self.posts)
        self._char_centroid = _unit(np.asarray(char_matrix.mean(axis=0)).ravel())
        self._embeddings = self._embedder.embed(self.posts)
        self._embedding_centroid = _unit(self._embeddings.mean(axis=0))
        styles = np.array([_style(post) for post in self.posts])
        self._style_mean, self._style_std = styles.mean(axis=0), styles.std(axis=0) + 0.5
        self._reference = np.sort(self._raw(held_out)[0])

    def _raw(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        chars = self._chars.transform(list(texts))
        char_cos = np.asarray(chars @ self._char_centroid).ravel() / np.maximum(
            np.sqrt(np.asarray(chars.multiply(chars).sum(axis=1)).ravel()), 1e-9
        )
        embedded = self._embedder.embed(list(texts))
        embed_cos = embedded @ self._embedding_centroid
        styles = np.array([_style(text) for text in texts])
        style_gap = np.abs((styles - self._style_mean) / self._style_std).mean(axis=1)
        return char_cos + embed_cos - 0.25 * style_gap, embedded

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        """The uncalibrated similarity (higher: more like the author), for ranking and AUC."""
        return self._raw(texts)[0]

    def match(self, texts: Sequence[str]) -> list[VoiceMatch]:
        """Score texts: calibrated score, percentile, the closest own posts and the biggest style gaps."""
        raw, embedded = self._raw(texts)
        results = []
        for i, text in enumerate(texts):
            below = np.searchsorted(self._reference, raw[i], side="right")
            score = float(below / len(self._reference))
            closest = np.argsort(-(self._embeddings @ embedded[i]))[:3]
            results.append(
                VoiceMatch(
                    round(score, 3), round(100 * score, 1), [int(k) for k in closest], self._differences(text)
                )
            )
        return results

    def _differences(self, text: str) -> list[str]:
        style = _style(text)
        gaps = (style - self._style_mean) / self._style_std
        sentences = []
        for key, gap, value, usual in zip(STYLE_KEYS, gaps, style, self._style_mean, strict=True):
            if abs(gap) < 1.5:
                continue
            if key == "chars_log":
                usual_chars, chars = int(np.expm1(usual)), int(np.expm1(value))
                sentences.append(f"you usually write about {usual_chars} characters; this has {chars}")
            else:
                label = key.replace("_", " ")
                sentences.append(f"you usually use {usual:.1f} {label} per post; this has {value:g}")
        return sentences[:3]


def _style(text: str) -> np.ndarray:
    features = form_features(text)
    return np.array([features[key] for key in STYLE_KEYS], dtype=float)


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
