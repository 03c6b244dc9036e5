"""Characteristic words and phrases: what a user says more often than a background corpus does.

Scored with the weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi and Quinn 2008,
"Fightin' Words"): unlike raw frequency it ignores words everyone uses, and unlike plain TF-IDF its z-score
does not reward a word the user wrote once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import BaseModel
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from models.style.text_features import words

_STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | {"just", "im", "i'm", "it's", "don't", "can't", "ve", "ll"}
_PRIOR_STRENGTH = 500.0
_Z_THRESHOLD = 1.96


class Term(BaseModel):
    """A word or phrase with its log-odds z-score against the background and how often the user used it."""

    term: str
    z: float
    count: int


def ngrams(tokens: Sequence[str], n: int) -> Iterable[str]:
    """Content n-grams: no stop word at either end, no one-letter tokens, so phrases read naturally."""
    for start in range(len(tokens) - n + 1):
        gram = tokens[start : start + n]
        if gram[0] in _STOP_WORDS or gram[-1] in _STOP_WORDS or any(len(token) < 2 for token in gram):
            continue
        yield " ".join(gram)


def count_terms(texts: Sequence[str], n: int) -> tuple[Counter[str], Counter[str]]:
    """Occurrences of each n-gram, and in how many texts it appears."""
    occurrences: Counter[str] = Counter()
    documents: Counter[str] = Counter()
    for text in texts:
        grams = list(ngrams(words(text), n))
        occurrences.update(grams)
        documents.update(set(grams))
    return occurrences, documents


def characteristic_terms(
    texts: Sequence[str], background: Sequence[str], n: int = 1, top_k: int = 15
) -> list[Term]:
    """Top n-grams over-represented in `texts` relative to `background`, highest z first.

    A term must appear in at least two of the user's posts (when they have three or more), so one
    unusual post does not define a voice. Ties break alphabetically, keeping the output deterministic.
    """
    user, user_docs = count_terms(texts, n)
    back, _ = count_terms(background, n)
    user_total, back_total = sum(user.values()), sum(back.values())
    if not user_total:
        return []
    both_total = user_total + back_total
    min_docs = 2 if len(texts) >= 3 else 1
    scored = []
    for term, count in user.items():
        if user_docs[term] < min_docs:
            continue
        prior = _PRIOR_STRENGTH * (count + back[term]) / both_total
        user_odds = math.log((count + prior) / (user_total + _PRIOR_STRENGTH - count - prior))
        back_odds = math.log((back[term] + prior) / (back_total + _PRIOR_STRENGTH - back[term] - prior))
        z = (user_odds - back_odds) / math.sqrt(1.0 / (count + prior) + 1.0 / (back[term] + prior))
        if z >= _Z_THRESHOLD:
            scored.append(Term(term=term, z=round(z, 4), count=count))
    scored.sort(key=lambda item: (-item.z, item.term))
    return scored[:top_k]
