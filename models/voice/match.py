"""Voice match: character n-grams, MiniLM sentence embeddings and style habits against the user's posts.

Five signals, each put on the same scale (standardised by its leave-one-out spread over the profile's own
posts) and summed: the mean character 3-5-gram similarity to the text's 5 nearest own posts, the same with
sentence embeddings, the embedding similarity to the profile's centre, how close the form (length,
lines, hashtags, mentions, links, emoji, questions, lists) is to the user's habits, and the share of the
text's hashtags and mentions the account has used (the community an account talks to outlasts any one of
its writers; the signal lifts the held-out AUC of every benchmark account). Nearest posts carry a
voice that writes several kinds of posts (replies, announcements, threads) where one centre blurs them;
measured on real accounts in bench/voice.py.

A team account (several people writing under one name) is described by clusters of style: k-means over
the posts' embeddings, with k chosen by the data (the cosine silhouette over k = 2..6; one cluster unless the
best split is clear and every cluster holds a fair share of posts). With several clusters the centre signal is
the match to the nearest cluster (its cosine less the cluster's mean, over the clusters' pooled spread), and
the form is compared with that cluster's habits; with one cluster nothing changes. `match` says which
cluster a text reads like. On @WeAreRLadies (52 rotating curators) the clusters do not follow curators and
even one cluster per true curator leaves the AUC where it was: its held-out curators are new to the profile.

The raw similarity is calibrated on the user's own held-out posts (the newest 20%, kept out of the
profile), so a score of 0.5 means "as much like you as a typical post of yours" and 1.0 "more like you
than any of them".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import silhouette_score

from models.engagement.features import form_features
from models.style.embedder import VoiceEmbedder, default_embedder
from models.style.keywords import characteristic_terms
from models.style.text_features import extract_hashtags, extract_mentions

STYLE_KEYS = ("chars_log", "lines", "hashtags", "mentions", "links", "emoji", "question", "list_items")
HELD_OUT_SHARE = 0.2
MIN_POSTS = 10
NEAREST = 5
MAX_CLUSTERS = 6
MIN_SILHOUETTE = 0.15  # below it the posts form one cloud: one cluster
MIN_CLUSTER_SHARE = 0.1
MIN_CLUSTER_POSTS = 8
REPRESENTATIVES = 3
ENTITY_MIN_SPREAD = 0.1  # a profile whose posts carry no hashtags or mentions barely weighs the signal


@dataclass
class StyleCluster:
    """One style within a profile: its share of the posts, its typical posts and phrases."""

    id: int
    size: int
    share: float
    representatives: list[int]  # indexes into the profile's posts, most typical first
    phrases: list[str]  # words and phrases this cluster uses more than the rest of the account


@dataclass
class VoiceMatch:
    score: float
    percentile: float
    closest: list[int]  # indexes into the profile's posts, most alike first
    differences: list[str]
    cluster: int = 0  # the style cluster the text reads most like
    cluster_similarity: float = 0.0  # cosine of the text's embedding with that cluster's centre


class VoiceProfile:
    """Built from a user's posts (oldest first); `match` scores any text against it.

    `writers` names each post's writer where the posts say it (a signature): one cluster per writer (those
    with fewer than MIN_CLUSTER_POSTS profile posts pooled) instead of the clusters the data chooses.
    `max_clusters=1` keeps the single-centre profile."""

    def __init__(
        self,
        posts: Sequence[str],
        embedder: VoiceEmbedder | None = None,
        *,
        writers: Sequence[str] | None = None,
        max_clusters: int = MAX_CLUSTERS,
        entity_signal: bool = True,
    ) -> None:
        if writers is not None and len(writers) != len(posts):
            raise ValueError(f"{len(posts)} posts but {len(writers)} writers")
        if len(posts) < MIN_POSTS:
            raise ValueError(f"a voice profile needs at least {MIN_POSTS} posts, got {len(posts)}")
        cut = len(posts) - max(2, round(len(posts) * HELD_OUT_SHARE))
        self.posts = list(posts[:cut])
        held_out = list(posts[cut:])
        self._embedder = embedder or default_embedder()
        self._chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, min_df=1)
        self._char_matrix = self._chars.fit_transform(self.posts)  # rows are unit length
        self._embeddings = self._embedder.embed(self.posts)
        styles = np.array([_style(post) for post in self.posts])
        self._style_mean, self._style_std = styles.mean(axis=0), styles.std(axis=0) + 0.5
        if writers is not None:
            self.labels, self.silhouette = _writer_clusters(list(writers[:cut])), 0.0
        else:
            self.labels, self.silhouette = choose_clusters(self._embeddings, max_clusters)
        k = int(self.labels.max()) + 1
        self._centres = np.array([_unit(self._embeddings[self.labels == c].mean(axis=0)) for c in range(k)])
        own_centre = np.einsum("ij,ij->i", self._embeddings, self._centres[self.labels])
        self._centre_mean = np.array([own_centre[self.labels == c].mean() for c in range(k)])
        # One spread for all clusters (each post around its own cluster's mean): a small or tight cluster
        # would otherwise turn tiny differences into large ones.
        spread = float((own_centre - self._centre_mean[self.labels]).std()) + 1e-3
        self._centre_std = np.full(k, spread)
        self._cluster_style_mean = np.array([styles[self.labels == c].mean(axis=0) for c in range(k)])
        self._cluster_style_std = np.array([styles[self.labels == c].std(axis=0) + 0.5 for c in range(k)])
        self.clusters = [self._describe(c, own_centre) for c in range(k)]
        # Each signal's spread over the profile's own posts, each post left out of its own neighbours.
        char_self = (self._char_matrix @ self._char_matrix.T).toarray()
        embed_self = self._embeddings @ self._embeddings.T
        np.fill_diagonal(char_self, -np.inf)
        np.fill_diagonal(embed_self, -np.inf)
        self._entities = [_entities(post) for post in self.posts]
        self._entity_posts = Counter(entity for entities in self._entities for entity in entities)
        own = np.column_stack(
            [
                _nearest_mean(char_self),
                _nearest_mean(embed_self),
                self._centre_signal(self._embeddings)[0],
                self._style_closeness(styles, self.labels),
                [self._entity_overlap(entities, own_post=True) for entities in self._entities],
            ]
        )
        self._signal_mean, self._signal_std = own.mean(axis=0), own.std(axis=0) + 1e-6
        self._signal_std[-1] = max(float(self._signal_std[-1]), ENTITY_MIN_SPREAD)
        if not entity_signal:
            self._signal_std[-1] = np.inf  # the signal weighs nothing: the four-signal profile
        self._reference = np.sort(self._raw(held_out)[0])

    def _entity_overlap(self, entities: set[str], own_post: bool = False) -> float:
        """The share of a text's hashtags and mentions the account has used (one of its own posts: in
        another post), smoothed so a text with none sits between a known and an unknown one."""
        known = sum(self._entity_posts[entity] > (1 if own_post else 0) for entity in entities)
        return (known + 0.5) / (len(entities) + 1)

    @property
    def cluster_count(self) -> int:
        return int(self.labels.max()) + 1

    def _describe(self, cluster: int, own_centre: np.ndarray) -> StyleCluster:
        members = np.flatnonzero(self.labels == cluster)
        typical = members[np.argsort(-own_centre[members])][:REPRESENTATIVES]
        phrases: list[str] = []
        if self.cluster_count > 1:
            inside = [self.posts[i] for i in members]
            outside = [self.posts[i] for i in np.flatnonzero(self.labels != cluster)]
            terms = characteristic_terms(inside, outside, n=2, top_k=3) + characteristic_terms(
                inside, outside, n=1, top_k=5
            )
            phrases = [term.term for term in terms][:5]
        return StyleCluster(
            id=cluster,
            size=len(members),
            share=round(len(members) / len(self.posts), 3),
            representatives=[int(i) for i in typical],
            phrases=phrases,
        )

    def _centre_signal(self, embedded: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The centre signal, each text's nearest cluster and its cosine with that cluster's centre.

        One cluster: the cosine with the profile's centre, as a single-writer profile always had. Several:
        the best of the cluster-standardised cosines (how typical of its nearest style the text is)."""
        cosines = embedded @ self._centres.T
        if len(self._centres) == 1:
            nearest = np.zeros(len(embedded), dtype=int)
            return cosines[:, 0], nearest, cosines[:, 0]
        standard = (cosines - self._centre_mean) / self._centre_std
        nearest = standard.argmax(axis=1)
        return standard.max(axis=1), nearest, cosines[np.arange(len(embedded)), nearest]

    def _style_closeness(self, styles: np.ndarray, clusters: np.ndarray) -> np.ndarray:
        mean, std = self._cluster_style_mean[clusters], self._cluster_style_std[clusters]
        closeness: np.ndarray = -np.abs((styles - mean) / std).mean(axis=1)
        return closeness

    def _signals(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        chars = self._chars.transform(list(texts))
        embedded = self._embedder.embed(list(texts))
        centre, nearest, cosine = self._centre_signal(embedded)
        signals = np.column_stack(
            [
                _nearest_mean((chars @ self._char_matrix.T).toarray()),
                _nearest_mean(embedded @ self._embeddings.T),
                centre,
                self._style_closeness(np.array([_style(text) for text in texts]), nearest),
                [self._entity_overlap(_entities(text)) for text in texts],
            ]
        )
        return signals, embedded, nearest, cosine

    def _raw(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        signals, embedded, _, _ = self._signals(texts)
        return ((signals - self._signal_mean) / self._signal_std).sum(axis=1), embedded

    def raw_scores(self, texts: Sequence[str]) -> np.ndarray:
        """The uncalibrated similarity (higher: more like the author), for ranking and AUC."""
        return self._raw(texts)[0]

    def match(self, texts: Sequence[str]) -> list[VoiceMatch]:
        """Score texts: calibrated score, percentile, the closest own posts and the biggest style gaps."""
        signals, embedded, nearest, cosine = self._signals(texts)
        raw = ((signals - self._signal_mean) / self._signal_std).sum(axis=1)
        results = []
        for i, text in enumerate(texts):
            below = np.searchsorted(self._reference, raw[i], side="right")
            score = float(below / len(self._reference))
            closest = np.argsort(-(self._embeddings @ embedded[i]))[:3]
            results.append(
                VoiceMatch(
                    round(score, 3),
                    round(100 * score, 1),
                    [int(k) for k in closest],
                    self._differences(text),
                    cluster=int(nearest[i]),
                    cluster_similarity=round(float(cosine[i]), 3),
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


def choose_clusters(embeddings: np.ndarray, max_clusters: int = MAX_CLUSTERS) -> tuple[np.ndarray, float]:
    """Cluster labels of the posts (0..k-1) and the silhouette that chose k (0.0 for one cluster).

    k-means over k = 2..MAX_CLUSTERS; the k with the best cosine silhouette wins if that silhouette is at
    least MIN_SILHOUETTE and every cluster holds MIN_CLUSTER_SHARE of the posts (and MIN_CLUSTER_POSTS),
    else one cluster: posts that form one cloud keep the single-centre profile."""
    n = len(embeddings)
    one = np.zeros(n, dtype=int)
    best: tuple[float, np.ndarray] = (0.0, one)
    for k in range(2, max_clusters + 1):
        if n < 2 * k * MIN_CLUSTER_POSTS:
            break
        labels = KMeans(n_clusters=k, n_init=4, random_state=0).fit_predict(embeddings)
        counts = np.bincount(labels, minlength=k)
        if counts.min() < max(MIN_CLUSTER_POSTS, MIN_CLUSTER_SHARE * n):
            continue
        score = float(silhouette_score(embeddings, labels, metric="cosine"))
        if score >= MIN_SILHOUETTE and score > best[0]:
            best = (score, labels)
    score, labels = best
    return _by_size(labels), round(score, 4)


def _writer_clusters(writers: list[str]) -> np.ndarray:
    """One cluster per named writer; writers with too few posts share the last one."""
    kept = sorted(name for name, count in Counter(writers).items() if count >= MIN_CLUSTER_POSTS)
    labels = np.array([kept.index(name) if name in kept else len(kept) for name in writers])
    return _by_size(labels)


def _by_size(labels: np.ndarray) -> np.ndarray:
    """Number clusters by size, largest first (cluster 0 is the account's main style), none left empty."""
    counts = np.bincount(labels)
    order = [c for c in np.argsort(-counts, kind="stable") if counts[c] > 0]
    relabel = np.zeros(len(counts), dtype=int)
    relabel[order] = np.arange(len(order))
    result: np.ndarray = relabel[labels]
    return result


def _entities(text: str) -> set[str]:
    return {f"#{tag}" for tag in extract_hashtags(text)} | {f"@{name}" for name in extract_mentions(text)}


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
