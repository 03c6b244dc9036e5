"""Per-post surface features: entities, sentences, lists, line breaks. Pure functions, no model."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import emoji

# Hashtags and mentions follow X's rules closely enough for counting: a hashtag needs a letter (so "#1" is
# not one), a mention is 1-30 word characters, and neither may be glued to a preceding word ("a@b.com").
_HASHTAG = re.compile(r"(?<![\w#&])[#\uFF03](\w*[^\W\d_]\w*)")
_MENTION = re.compile(r"(?<![\w@])[@\uFF20](\w{1,30})(?![\w@])")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"]+", re.IGNORECASE)
# The lookbehind lets a match start only where a local part starts, so a long run of word characters is
# scanned once, not once per position (quadratic: one 30,000-character post froze the API for seconds).
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# The longest post either platform allows (X Premium: 25,000 characters); longer text is cut before it is
# measured, so the cost of a profile is bounded per post whatever was imported.
MAX_ANALYSED_CHARS = 25_000
_QUOTES = "\"'\u201d\u2019)\\]"  # closing quotes and brackets after a full stop
_APOSTROPHES = "'\u2019"
_WORD = re.compile(rf"[^\W\d_][\w{_APOSTROPHES}-]*")
_SENTENCE_END = re.compile(rf"(?<=[.!?\u2026])[{_QUOTES}]*\s+")
_QUESTION = re.compile(rf"\?[{_QUOTES}]*$")
# A list item is a line that starts with a bullet character, "1." / "1)" / "a)" numbering, or an emoji used
# as a bullet; it only counts when two or more such lines appear in the same post.
_BULLETS = "-*\u2022\u00b7\u25aa\u25ab\u25e6\u2023\u2043\u25ba\u25b6\u2192\u279c\u27a4\u00bb\u2713\u2714"
_LIST_MARKER = re.compile(rf"^\s*(?:[{_BULLETS}]|\d{{1,2}}[.)]|[a-zA-Z][)])\s+")
_BULLET = re.compile(_LIST_MARKER.pattern + r"\S")


@dataclass
class PostFeatures:
    """What one post contains; the profile aggregates these over all of a user's posts."""

    chars: int
    words: list[str]
    sentences: list[str]
    sentence_word_counts: list[int]
    question_sentences: int
    exclamations: int
    emoji: list[str]
    hashtags: list[str]
    mentions: list[str]
    urls: list[str]
    line_breaks: int
    blank_lines: int
    list_items: int
    starts_with_emoji: bool
    ends_with_question: bool
    ends_with_hashtags: bool
    plain_text: str = field(repr=False)


def extract_emoji(text: str) -> list[str]:
    """Every emoji in order, a multi-codepoint sequence (skin tone, ZWJ family, flag) counting once."""
    return [match["emoji"] for match in emoji.emoji_list(text)]


def extract_hashtags(text: str) -> list[str]:
    """Hashtags without '#', lower-cased, in order (URLs are removed first so '#anchors' do not count)."""
    return [tag.lower() for tag in _HASHTAG.findall(_URL.sub(" ", text))]


def extract_mentions(text: str) -> list[str]:
    """Mentioned handles without '@', lower-cased, in order; e-mail addresses are not mentions."""
    return [handle.lower() for handle in _MENTION.findall(_URL.sub(" ", text))]


def extract_urls(text: str) -> list[str]:
    """Links starting with http(s):// or www."""
    return _URL.findall(text)


def plain_text(text: str) -> str:
    """The prose of a post: links, e-mails, mentions, hashtags and emoji removed, line breaks kept."""
    text = _URL.sub(" ", text)
    text = _EMAIL.sub(" ", text)
    text = _MENTION.sub(" ", text)
    text = _HASHTAG.sub(" ", text)
    return emoji.replace_emoji(text, replace=" ")


def split_sentences(text: str) -> list[str]:
    """Sentences of the prose: split at . ! ? … and at line breaks, since posts use breaks as full stops."""
    sentences = []
    for line in plain_text(text).split("\n"):
        line = _LIST_MARKER.sub("", line)
        for piece in _SENTENCE_END.split(line.strip()):
            if _WORD.search(piece):
                sentences.append(" ".join(piece.split()))
    return sentences


def words(text: str) -> list[str]:
    """Lower-cased words of the prose (letters first; numbers alone are not words)."""
    return [word.lower().strip(_APOSTROPHES + "-") for word in _WORD.findall(plain_text(text))]


def count_list_items(text: str) -> int:
    """Lines that read as list items, counted only when a post has at least two of them."""
    items = sum(1 for line in text.split("\n") if _is_list_item(line))
    return items if items >= 2 else 0


def _is_list_item(line: str) -> bool:
    if _BULLET.match(line):
        return True
    stripped = line.strip()
    found = emoji.emoji_list(stripped)
    # An emoji bullet: the line starts with an emoji followed by words ("✅ Ship small PRs").
    if not found or found[0]["match_start"] != 0:
        return False
    return bool(_WORD.search(stripped[found[0]["match_end"] :]))


def post_features(text: str) -> PostFeatures:
    """Measure one post (its first MAX_ANALYSED_CHARS characters)."""
    text = text[:MAX_ANALYSED_CHARS]
    sentences = split_sentences(text)
    stripped = text.strip()
    lines = stripped.split("\n")
    last_line = lines[-1].strip() if lines else ""
    found_emoji = emoji.emoji_list(stripped)
    return PostFeatures(
        chars=len(stripped),
        words=words(text),
        sentences=sentences,
        sentence_word_counts=[len(_WORD.findall(sentence)) for sentence in sentences],
        question_sentences=sum(1 for sentence in sentences if _QUESTION.search(sentence)),
        exclamations=stripped.count("!"),
        emoji=[match["emoji"] for match in found_emoji],
        hashtags=extract_hashtags(text),
        mentions=extract_mentions(text),
        urls=extract_urls(text),
        line_breaks=stripped.count("\n"),
        blank_lines=len(re.findall(r"\n[ \t]*\n", stripped)),
        list_items=count_list_items(stripped),
        starts_with_emoji=bool(found_emoji) and found_emoji[0]["match_start"] == 0,
        ends_with_question=bool(_QUESTION.search(plain_text(stripped).strip())),
        ends_with_hashtags=bool(last_line) and _is_hashtag_block(last_line),
        plain_text=plain_text(text),
    )


def _is_hashtag_block(line: str) -> bool:
    """A closing line made only of hashtags (the common LinkedIn sign-off)."""
    return bool(_HASHTAG.search(line)) and not _WORD.search(_HASHTAG.sub(" ", line))
