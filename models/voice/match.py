"""Voice match: character n-grams, MiniLM sentence embeddings and style habits against the user's posts.

Four signals, each put on the same scale (standardised by its leave-one-out spread over the profile's own
posts) and summed: the mean character 3-5-gram similarity to the text's 5 nearest own posts, the same with
sentence embeddings, the embedding similarity to the profile's centre, and how close the form (length,
lines, hashtags, mentions, links, emoji, questions, lists) is to the user's habits. Nearest posts carry a
voice that writes several kinds of posts (replies, announcements, threads) where one centre blurs them;
measured on real accounts in bench/voice.py.

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
NEAREST = 5


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
        self._char_matrix = self._chars.fit_transform(self.posts)  # rows are unit length
        self._embeddings = self._embedder.embed(self.posts)
        self._embedding_centroid = _unit(self._embeddings.mean(axis=0))
        styles = np.array([_style(post) for post in self.posts])
        self._style_mean, self._style_std = styles.mean(axis=0), styles.std(axis=0) + 0.5
        # Each signal's spread over the profile's own posts, each post left out of its own neighbours.
        char_self = (self._char_matrix @ self._char_matrix.T).toarray()
        embed_self = self._embeddings @ self._embeddings.T
        np.fill_diagonal(char_self, -np.inf)
        np.fill_diagonal(embed_self, -np.inf)
        own = np.column_stack(
            [
                _nearest_mean(char_self),
                _nearest_mean(embed_self),
                self._embeddings @ self._embedding_centroid,
                self._style_closeness(styles),
            ]
        )
        self._signal_mean, self._signal_std = own.mean(axis=0), own.std(axis=0) + 1e-6
        self._reference = np.sort(self._raw(held_out)[0])

    def _style_closeness(self, styles: np.ndarray) -> np.ndarray:
        closeness: np.ndarray = -np.abs((styles - self._style_mean) / self._style_std).mean(axis=1)
        return closeness

    def _raw(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        chars = self._chars.transform(list(texts))
        embedded = self._embedder.embed(list(texts))
        signals = np.column_stack(
            [
                _nearest_mean((chars @ self._char_matrix.T).toarray()),
                _nearest_mean(embedded @ self._embeddings.T),
                embedded @ self._embedding_centroid,
                self._style_closeness(np.array([_style(text) for text in texts])),
            ]
        )
        return ((signals - self._signal_mean) / self._signal_std).sum(axis=1), embedded

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


def _nearest_mean(similarity: np.ndarray) -> np.ndarray:
    """Per row, the mean of its NEAREST largest similarities (fewer when the profile is smaller)."""
    k = min(NEAREST, similarity.shape[1] - 1) if similarity.shape[1] > 1 else 1
    nearest: np.ndarray = np.sort(similarity, axis=1)[:, -k:].mean(axis=1)
    return nearest


def _unit(vector: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm else vector
