"""A user's style profile: measurable habits of their posts plus a voice embedding for similarity scoring.

Everything but the embedding is counted, not learned, so the same posts always give the same profile and a
person can read why a draft does or does not sound like them.
"""

from __future__ import annotations

import functools
import json
import statistics
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from models.style.embedder import VoiceEmbedder, default_embedder
from models.style.keywords import Term, characteristic_terms
from models.style.text_features import PostFeatures, post_features

PROFILE_VERSION = 1
_TOP_ITEMS = 10
_SHORT_SENTENCE_WORDS = 8
_LONG_SENTENCE_WORDS = 25
_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"})
_FIRST_PERSON_PLURAL = frozenset({"we", "us", "our", "ours", "ourselves", "we're", "we've", "we'll"})
_SECOND_PERSON = frozenset({"you", "your", "yours", "yourself", "you're", "you've", "you'll"})


class CountedItem(BaseModel):
    """An emoji, hashtag or mention and how many times it was used."""

    item: str
    count: int


class SentenceStyle(BaseModel):
    mean_words_per_sentence: float
    median_words_per_sentence: float
    stdev_words_per_sentence: float
    mean_sentences_per_post: float
    short_sentence_ratio: float = Field(description=f"sentences of at most {_SHORT_SENTENCE_WORDS} words")
    long_sentence_ratio: float = Field(description=f"sentences of at least {_LONG_SENTENCE_WORDS} words")
    mean_words_per_post: float
    mean_chars_per_post: float
    exclamations_per_post: float


class EmojiStyle(BaseModel):
    per_post: float
    posts_with_emoji_ratio: float
    per_100_words: float
    starts_with_emoji_ratio: float
    top: list[CountedItem]


class EntityStyle(BaseModel):
    """Hashtag or mention habits."""

    per_post: float
    posts_with_ratio: float
    top: list[CountedItem]


class QuestionStyle(BaseModel):
    question_sentence_ratio: float
    posts_with_question_ratio: float
    ends_with_question_ratio: float


class LayoutStyle(BaseModel):
    line_breaks_per_post: float
    blank_lines_per_post: float
    single_paragraph_ratio: float
    posts_with_list_ratio: float
    list_items_per_post: float
    ends_with_hashtag_block_ratio: float
    links_per_post: float


class Readability(BaseModel):
    """Flesch scores over the prose (links, hashtags, mentions and emoji removed), averaged over posts."""

    flesch_reading_ease: float
    flesch_kincaid_grade: float
    mean_word_length: float
    type_token_ratio: float
    first_person_ratio: float = Field(description="share of words that are I/me/my...")
    first_person_plural_ratio: float
    second_person_ratio: float


class StyleProfile(BaseModel):
    """How a user writes; JSON-ready with `model_dump()`."""

    version: int = PROFILE_VERSION
    post_count: int
    sentences: SentenceStyle
    emoji: EmojiStyle
    hashtags: EntityStyle
    mentions: EntityStyle
    questions: QuestionStyle
    layout: LayoutStyle
    readability: Readability
    characteristic_words: list[Term]
    characteristic_phrases: list[Term]
    voice_embedding: list[float] | None = Field(
        default=None, description="mean MiniLM sentence embedding of the posts, L2-normalised"
    )


def build_style_profile(
    texts: Sequence[str],
    background: Sequence[str] | None = None,
    *,
    embedder: VoiceEmbedder | None = None,
    with_embedding: bool = True,
) -> StyleProfile:
    """Profile a user's posts; `background` is the reference corpus for characteristic words.

    Without a background, the shipped tone corpus (1,200+ posts across tones and topics) is the reference.
    `with_embedding=False` skips the voice embedding (no model load) for callers that only need counts.
    """
    posts = [text for text in texts if text and text.strip()]
    if not posts:
        raise ValueError("a style profile needs at least one non-empty post")
    features = [post_features(text) for text in posts]
    reference = list(background) if background is not None else default_background()
    voice = None
    if with_embedding:
        voice = (embedder or default_embedder()).voice_vector(posts)
    return StyleProfile(
        post_count=len(posts),
        sentences=_sentence_style(features),
        emoji=_emoji_style(features),
        hashtags=_entity_style([f.hashtags for f in features]),
        mentions=_entity_style([f.mentions for f in features]),
        questions=_question_style(features),
        layout=_layout_style(features),
        readability=_readability(features),
        characteristic_words=characteristic_terms(posts, reference, n=1),
        characteristic_phrases=characteristic_terms(posts, reference, n=2)
        + characteristic_terms(posts, reference, n=3, top_k=5),
        voice_embedding=voice,
    )


@functools.lru_cache(maxsize=1)
def default_background() -> tuple[str, ...]:
    """Texts of the shipped tone corpus, read raw (its validation rules are the training code's concern)."""
    from models.tone.corpus import corpus_dir

    files = sorted(corpus_dir().glob("*.jsonl"))
    if not files:
        raise FileNotFoundError(
            f"no background corpus for characteristic words: {corpus_dir()} has no *.jsonl files; "
            "pass `background=` explicitly"
        )
    texts = []
    for file in files:
        for line in file.read_text(encoding="utf-8").split("\n"):
            if line.strip():
                texts.append(str(json.loads(line)["text"]))
    return tuple(texts)


def _mean(values: Sequence[float]) -> float:
    return round(float(statistics.fmean(values)), 4) if values else 0.0


def _ratio(flags: Sequence[bool]) -> float:
    return round(sum(flags) / len(flags), 4) if flags else 0.0


def _top(items: Sequence[str]) -> list[CountedItem]:
    counts = Counter(items)
    ordered = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return [CountedItem(item=item, count=count) for item, count in ordered[:_TOP_ITEMS]]


def _sentence_style(features: list[PostFeatures]) -> SentenceStyle:
    lengths = [n for f in features for n in f.sentence_word_counts]
    return SentenceStyle(
        mean_words_per_sentence=_mean(lengths),
        median_words_per_sentence=float(statistics.median(lengths)) if lengths else 0.0,
        stdev_words_per_sentence=round(statistics.pstdev(lengths), 4) if lengths else 0.0,
        mean_sentences_per_post=_mean([len(f.sentences) for f in features]),
        short_sentence_ratio=_ratio([n <= _SHORT_SENTENCE_WORDS for n in lengths]),
        long_sentence_ratio=_ratio([n >= _LONG_SENTENCE_WORDS for n in lengths]),
        mean_words_per_post=_mean([len(f.words) for f in features]),
        mean_chars_per_post=_mean([f.chars for f in features]),
        exclamations_per_post=_mean([f.exclamations for f in features]),
    )


def _emoji_style(features: list[PostFeatures]) -> EmojiStyle:
    total_words = sum(len(f.words) for f in features)
    total_emoji = sum(len(f.emoji) for f in features)
    return EmojiStyle(
        per_post=_mean([len(f.emoji) for f in features]),
        posts_with_emoji_ratio=_ratio([bool(f.emoji) for f in features]),
        per_100_words=round(100.0 * total_emoji / total_words, 4) if total_words else 0.0,
        starts_with_emoji_ratio=_ratio([f.starts_with_emoji for f in features]),
        top=_top([e for f in features for e in f.emoji]),
    )


def _entity_style(per_post: list[list[str]]) -> EntityStyle:
    return EntityStyle(
        per_post=_mean([len(items) for items in per_post]),
        posts_with_ratio=_ratio([bool(items) for items in per_post]),
        top=_top([item for items in per_post for item in items]),
    )


def _question_style(features: list[PostFeatures]) -> QuestionStyle:
    sentences = sum(len(f.sentences) for f in features)
    questions = sum(f.question_sentences for f in features)
    return QuestionStyle(
        question_sentence_ratio=round(questions / sentences, 4) if sentences else 0.0,
        posts_with_question_ratio=_ratio([f.question_sentences > 0 for f in features]),
        ends_with_question_ratio=_ratio([f.ends_with_question for f in features]),
    )


def _layout_style(features: list[PostFeatures]) -> LayoutStyle:
    return LayoutStyle(
        line_breaks_per_post=_mean([f.line_breaks for f in features]),
        blank_lines_per_post=_mean([f.blank_lines for f in features]),
        single_paragraph_ratio=_ratio([f.line_breaks == 0 for f in features]),
        posts_with_list_ratio=_ratio([f.list_items > 0 for f in features]),
        list_items_per_post=_mean([f.list_items for f in features]),
        ends_with_hashtag_block_ratio=_ratio([f.ends_with_hashtags for f in features]),
        links_per_post=_mean([len(f.urls) for f in features]),
    )


@functools.lru_cache(maxsize=1)
def _hyphenator() -> Any:
    import pyphen

    return pyphen.Pyphen(lang="en_US")


def _syllables(word: str) -> int:
    """Syllables from the en_US hyphenation dictionary: hyphenation points plus one."""
    return len(_hyphenator().positions(word)) + 1


def _flesch(sentences: Sequence[int], syllables_per_word: Sequence[int]) -> tuple[float, float]:
    """Flesch reading ease and Flesch-Kincaid grade of one post.

    Computed here rather than with textstat: textstat's English path fetches NLTK's cmudict over the
    network, and the product runs offline. Syllables come from pyphen, textstat's own fallback.
    """
    words_per_sentence = sum(sentences) / len(sentences)
    per_word = sum(syllables_per_word) / len(syllables_per_word)
    ease = 206.835 - 1.015 * words_per_sentence - 84.6 * per_word
    grade = 0.39 * words_per_sentence + 11.8 * per_word - 15.59
    return ease, grade


def _readability(features: list[PostFeatures]) -> Readability:
    # Sentences come from split_sentences, which also ends a sentence at a line break, as posts do.
    scores = [
        _flesch(f.sentence_word_counts, [_syllables(w) for w in f.words])
        for f in features
        if f.words and any(f.sentence_word_counts)
    ]
    all_words = [w for f in features for w in f.words]
    total = len(all_words)

    def share(vocabulary: frozenset[str]) -> float:
        return round(sum(1 for w in all_words if w in vocabulary) / total, 4) if total else 0.0

    return Readability(
        flesch_reading_ease=_mean([ease for ease, _ in scores]),
        flesch_kincaid_grade=_mean([grade for _, grade in scores]),
        mean_word_length=_mean([len(w) for w in all_words]),
        type_token_ratio=round(len(set(all_words)) / total, 4) if total else 0.0,
        first_person_ratio=share(_FIRST_PERSON),
        first_person_plural_ratio=share(_FIRST_PERSON_PLURAL),
        second_person_ratio=share(_SECOND_PERSON),
    )
