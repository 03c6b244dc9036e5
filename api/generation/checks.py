"""What every generated variant must pass before it is stored, and the repairs tried first.

Repairs (the text is changed, the check then passes): a preamble line ("Here's your post:"), quotes
around the whole post, hashtags beyond the user's habit, @mentions, links and hashtags that appear nowhere
in the user's input, profile or own posts, and an answer cut off at the token limit (`truncated`): its
unfinished last sentence is dropped, and on a platform without threads so are the whole sentences beyond
the platform's limit. Failures (the variant is regenerated): too long for the platform, a machine-writing
tell, a near copy of one of the user's posts, too close to another variant, degenerate output (no words at
all, one character or emoji run on, the same few words over and over: a small model's repetition loop,
which otherwise fits every other rule), a post that is only hashtags, mentions or links (`tags_only`:
fewer than `MIN_PROSE_WORDS` words of its own), and names or quotations the user did not give
(`unsupported_claims`: an attributed quotation whose words are not the user's, a person, organisation or
work their topic, notes, profile and own posts never name).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from api.content.length import THREAD_CONTENT_TYPE, check_length
from api.platforms import registry
from api.platforms.base import LengthRule
from models.style.text_features import extract_hashtags, extract_mentions, extract_urls

TELLS_FILE = Path(__file__).with_name("tells.json")
NEAR_COPY = 0.6  # character 5-gram Jaccard with one of the user's posts
TOO_SIMILAR = 0.7  # with another variant of the same request
_PREAMBLE = re.compile(
    r"^\s*(?:sure|certainly|of course|here(?:'s| is| are)|absolutely)\b[^\n]*[:!.]\s*\n+", re.IGNORECASE
)
_QUOTES = {'"': '"', "\u201c": "\u201d", "'": "'"}
_WORD = re.compile(r"[^\W\d_]{2,}")  # two letters or more, any script
# One character (or emoji) sixteen times in a row: people write "YAAAAAAAAAAAAAS" or a dozen claps on purpose;
# a model in a loop writes a hundred bananas.
_RUN = re.compile(r"(\S)\1{15,}")
_DISTINCT_PHRASES = 0.5  # at least this share of a post's four-word phrases are different phrases


@lru_cache(maxsize=1)
def tells() -> tuple[str, ...]:
    """The maintained list of machine-writing phrases (see `tells.json` for its source)."""
    return tuple(json.loads(TELLS_FILE.read_text(encoding="utf-8"))["phrases"])


@dataclass
class Allowed:
    """Entities the user gave or uses: anything else in a variant was invented by the model."""

    mentions: set[str] = field(default_factory=set)
    urls: set[str] = field(default_factory=set)
    hashtags: set[str] = field(default_factory=set)
    max_hashtags: int = 0
    # The words of every text the user gave, lower case, one space apart, each text between " | " (names and
    # quotes are looked up in it), and the words they write in lower case (never a name, capitalised or not).
    given: str = " | "
    ordinary: set[str] = field(default_factory=set)

    @classmethod
    def from_texts(cls, texts: Iterable[str], max_hashtags: int) -> Allowed:
        allowed = cls(max_hashtags=max_hashtags)
        words: list[str] = []
        for text in texts:
            allowed.mentions.update(extract_mentions(text))
            allowed.urls.update(url.lower() for url in extract_urls(text))
            allowed.hashtags.update(extract_hashtags(text))
            allowed.ordinary.update(_lower_words(text))
            words.append(_words(text))
        allowed.given = f" | {' | '.join(words)} | "
        return allowed


@dataclass
class Checked:
    """A variant after repairs, what it passed, and what still fails (empty: it may be stored)."""

    text: str
    passed: list[str]
    problems: list[str]
    repairs: list[str]


def _shingles(text: str, n: int = 5) -> set[str]:
    flat = " ".join(text.lower().split())
    return {flat[i : i + n] for i in range(max(1, len(flat) - n + 1))}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of character 5-grams."""
    left, right = _shingles(a), _shingles(b)
    return len(left & right) / len(left | right) if left and right else 0.0


def repair(text: str, allowed: Allowed) -> tuple[str, list[str]]:
    """Apply the safe repairs; return the text and what was repaired."""
    repairs: list[str] = []
    stripped = text.strip()
    without = _PREAMBLE.sub("", stripped, count=1)
    if without != stripped:
        repairs.append("removed a preamble")
        stripped = without.strip()
    if len(stripped) > 1 and stripped[0] in _QUOTES and stripped[-1] == _QUOTES[stripped[0]]:
        repairs.append("removed quotes around the post")
        stripped = stripped[1:-1].strip()
    for url in extract_urls(stripped):
        if url.lower() not in allowed.urls:
            stripped = stripped.replace(url, "")
            repairs.append(f"removed a link nobody gave: {url}")
    for mention in set(extract_mentions(stripped)) - allowed.mentions:
        stripped = re.sub(rf"(?<![\w@])@{re.escape(mention)}\b", mention, stripped, flags=re.IGNORECASE)
        repairs.append(f"removed an invented @mention: @{mention}")
    kept = 0
    for tag in extract_hashtags(stripped):
        keep = tag in allowed.hashtags and kept < allowed.max_hashtags
        if keep:
            kept += 1
            continue
        stripped = re.sub(rf"\s*[#\uFF03]{re.escape(tag)}\b", "", stripped, count=1, flags=re.IGNORECASE)
        repairs.append(f"removed hashtag #{tag}")
    return re.sub(r"[ \t]+\n", "\n", stripped).strip(), repairs


_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|\n+")
_SEPARATOR = re.compile(r"^[ \t]*---[ \t]*$", re.MULTILINE)


def as_thread(text: str, rule: LengthRule) -> tuple[str, list[str]]:
    """A thread of posts, separated by `---` lines: the model's own parts when it wrote them, else the text
    split at sentence ends into as few posts as fit the platform's limit each (X: 280 weighted characters). A
    sentence too long for one post is left whole for the length check to refuse (and the variant to be
    written again)."""
    if _SEPARATOR.search(text):
        return text, []
    sentences = [part.strip() for part in _SENTENCE_END.split(text) if part.strip()]
    tweets: list[str] = []
    for sentence in sentences:
        joined = f"{tweets[-1]} {sentence}" if tweets else sentence
        if tweets and rule.count(joined) <= rule.limit:
            tweets[-1] = joined
        else:
            tweets.append(sentence)
    if len(tweets) < 2:
        return text, []
    return "\n---\n".join(tweets), [f"split into a thread of {len(tweets)} posts"]


# Where a sentence ends: its stop (and any closing quote or bracket), then a space or the end; or a line end.
_SENTENCE_STOP = re.compile(r"[.!?\u2026][\"'\u201d\u2019)\]]*(?=\s|$)|\n")


def leading_sentences(text: str, rule: LengthRule, limit: int) -> str:
    """The text's opening whole sentences (a line end counts as one's end, and so does the text's end) that
    together are at most `limit` long as `rule` counts; empty when even the first one is longer."""
    kept = ""
    for end in [*(match.end() for match in _SENTENCE_STOP.finditer(text)), len(text)]:
        opening = text[:end].strip()
        if rule.count(opening) > limit:  # a longer opening is no shorter: stop counting (X's count is slow)
            break
        kept = opening
    return kept


def finish(text: str, rule: LengthRule | None) -> tuple[str, list[str]]:
    """A text cut off at the token limit, ended at its last whole sentence; with a length `rule`, at the last
    whole sentence that fits it (the model ran on past the platform's limit: what it wrote before is a post).
    Unchanged when no sentence ends in it (the rules then judge it as it is)."""
    stops = [match.end() for match in _SENTENCE_STOP.finditer(text)]
    fitting = [end for end in stops if rule is None or rule.count(text[:end].strip()) <= rule.limit]
    end = (fitting or stops or [0])[-1]
    kept = text[:end].strip()
    if not kept or kept == text.strip():
        return text, []
    dropped = len(text) - len(kept)
    return kept, [
        f"cut at its last whole sentence (stopped at the token limit; {dropped} characters dropped)"
    ]


def check(
    text: str,
    platform: str,
    content_type: str | None,
    allowed: Allowed,
    own_posts: Sequence[str],
    accepted: Sequence[str],
    truncated: bool = False,
) -> Checked:
    """Repair, then check every rule; `problems` lists what still fails. `truncated`: the LLM stopped at its
    token limit, not at the end of the post."""
    repaired, repairs = repair(text, allowed)
    plugin = registry.get(platform)
    thread = plugin.threads and content_type == THREAD_CONTENT_TYPE
    if truncated:
        repaired, finished = finish(repaired, None if thread else plugin.length)
        repairs += finished
    if thread:
        repaired, split = as_thread(repaired, plugin.length)
        repairs += split
    passed: list[str] = []
    problems: list[str] = []
    length = check_length(platform, repaired, content_type)
    (passed if length.valid else problems).append(
        "fits the platform" if length.valid else "; ".join(length.problems)
    )
    lowered = repaired.lower()
    found = [phrase for phrase in tells() if re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", lowered)]
    if found:
        problems.append(f"reads as machine-written ({', '.join(found[:3])})")
    else:
        passed.append("no machine-writing tells")
    copied = max((similarity(repaired, post) for post in own_posts), default=0.0)
    if copied >= NEAR_COPY:
        problems.append(f"a near copy of one of your posts ({copied:.0%} alike)")
    else:
        passed.append("not a copy of your posts")
    twin = max((similarity(repaired, other) for other in accepted), default=0.0)
    if twin >= TOO_SIMILAR:
        problems.append(f"too close to another variant ({twin:.0%} alike)")
    else:
        passed.append("distinct from the other variants")
    loop = degenerate(repaired)
    if loop is not None:
        problems.append(loop)
    else:
        passed.append("reads as written, not a repetition loop")
    # Judged on what the model wrote too: the repairs turn invented @mentions into plain words.
    bare = tags_only(_PREAMBLE.sub("", text.strip(), count=1)) or tags_only(repaired)
    if bare is not None:
        problems.append(bare)
    else:
        passed.append("words of its own, not only hashtags, mentions or links")
    claims = unsupported_claims(repaired, allowed)
    if claims:
        problems += claims
    else:
        passed.append("no names or quotations you did not give")
    passed += ["no invented mentions, links or hashtags", "no preamble or quotes"]
    return Checked(repaired, passed, problems, repairs)


def degenerate(text: str) -> str | None:
    """Why the text is a repetition loop or has no words, or None when it reads as written."""
    if not _WORD.search(text):
        return "has no words"
    run = _RUN.search(text)
    if run is not None:
        return f"repeats {run.group(1)!r} {len(run.group(0))} times in a row"
    tokens = text.lower().split()
    phrases = [tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3)]
    if len(phrases) >= 8 and len(set(phrases)) / len(phrases) < _DISTINCT_PHRASES:
        return f"repeats itself ({len(set(phrases))} different phrases in {len(phrases)})"
    return None


# ---- a post of its own words, naming only what the user named --------------------------------------------

# A post is "only hashtags, mentions or links" when, with those taken out, it has no words of its own, or
# fewer than MIN_PROSE_WORDS and fewer than the hashtags, mentions and links it has (a word: two letters or
# more, any script; in a script written without spaces every two letters count as one). "#Mentoring#Hacking"
# (glued hashtags), "@a @b", a bare link and "Congrats! #a #b" fail; "Me? Asian? 🍌", "Great session
# #rstats" and "YAAAS #WrestleMania 👏👏" (as many words as hashtags) pass.
MIN_PROSE_WORDS = 2
_TAG_OR_LINK = re.compile(r"(?:https?://|www\.)\S+|[#\uFF03@\uFF20]\w+", re.IGNORECASE)
_UNSPACED = re.compile(
    "[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
)


def prose_words(text: str) -> int:
    """Words of prose once hashtags (glued ones too), @mentions and links are taken out."""
    words = _WORD.findall(_TAG_OR_LINK.sub(" ", text))
    return sum(max(1, len(word) // 2) if _UNSPACED.search(word) else 1 for word in words)


def tags_only(text: str) -> str | None:
    """Why the text is only hashtags, mentions or links (see MIN_PROSE_WORDS), or None."""
    words, tags = prose_words(text), len(_TAG_OR_LINK.findall(text))
    if words > 0 and (words >= MIN_PROSE_WORDS or words >= tags):
        return None
    return (
        f"only hashtags, mentions or links ({words} word{'s' if words != 1 else ''} of its own beside {tags})"
    )


# Words capitalised at the start of a sentence or in a greeting without being names; with every word the
# user writes in lower case somewhere (their topic, notes, profile, own posts) and every word the variant
# itself writes in lower case, they are "ordinary": a capitalised run made of them names nobody.
_COMMON_WORDS = """
    a an the this that these those my our your their his her its we i you he she they it me us them
    and or but so if when while as at by for from in into of on onto to with without about after before over
    under up down out off is are was were be been being am do does did have has had will would can could
    should may might must not no yes all any each every some many most more much few less one two three
    first next last new here there what which who whom whose why how where just also only even still yet now
    today tomorrow tonight yesterday week weekend year monday tuesday wednesday thursday friday saturday
    sunday january february march april june july august september october november december happy thanks
    thank please hello hi hey dear congrats congratulations welcome great good big best top let lets
    someone everyone nobody people experts mon tue tues wed thu thur thurs fri sat sun jan feb mar apr jun jul
    aug sep sept oct nov dec"""
_COMMON = frozenset(_COMMON_WORDS.split())
# Lower-case words that join the capitalised words of one name: "Bank of America", "Vincent van Gogh" ("and"
# does not: "Steve Jobs and Bill Gates" are two).
_CONNECTOR_WORDS = "of the for & de da di du van von der den la le y"
_CONNECTORS = frozenset(_CONNECTOR_WORDS.split())
# Abbreviations whose full stop does not end the name: "Dr. Jane Goodall", "J. K. Rowling".
_ABBREVIATION = re.compile(r"^(?:[A-Z]|Dr|Mr|Mrs|Ms|Mx|Prof|St|Sr|Jr)\.$")
_OPENING = "\"'([{<\u00ab\u201c\u2018\u201e"
_EDGE_PUNCTUATION = "\"'()[]{}<>\u00ab\u00bb\u201c\u201d\u2018\u2019\u201e,.;:!?\u2026*_~|/\\-"
# A word a name is made of: letters, with apostrophes or hyphens inside ("O'Neil", "Gonzalez-Akre"); a token
# with other marks inside ("Also...FRUITY", "McKiou!#datascience") ends the run instead.
_NAME_WORD = re.compile(r"^[^\W\d_](?:[^\W_]|['\u2019-](?=[^\W\d_]))*$")
_POSSESSIVE = re.compile(r"(?:['\u2019]s|['\u2019])$")
# A name, as the regexes below see one: capitalised words (an initial, a Title-case word or an acronym),
# joined by spaces and the connectors above.
_CAP_WORD = r"(?:(?:[A-Z]|Dr|Mr|Mrs|Ms|Prof|St)\.|[A-Z\u00c0-\u00de][\w'\u2019-]*)"
_NAME = rf"(?P<name>{_CAP_WORD}(?:\s+(?:(?:of|the|for|&|de|da|van|von|der|la|le)\s+)?{_CAP_WORD})*)"
# Who said what: attributions with a name (an attribution to "my mentor" names nobody and passes).
_SAID = (
    r"(?:once\s+|famously\s+|recently\s+|rightly\s+|also\s+)?(?:said|says|wrote|writes|put\s+it|noted|"
    r"argued|argues|remarked|observed|tweeted|posted|reminds\s+us|told\s+(?:me|us))"
)
_OPEN_QUOTE = '"\u201c\u201d\u201e\u00ab'
_CLOSE_QUOTE = '"\u201c\u201d\u00bb'
_QUOTED = rf"[{_OPEN_QUOTE}](?P<quote>[^{_OPEN_QUOTE}{_CLOSE_QUOTE}\n]{{3,400}})[{_CLOSE_QUOTE}]"
_ATTRIBUTED_QUOTES = (
    # "Stay hungry." - Steve Jobs / "Stay hungry," said Steve Jobs
    re.compile(rf"{_QUOTED}[\s,.]*(?:[-\u2013\u2014~]+\s*|said\s+|says\s+|wrote\s+|writes\s+){_NAME}"),
    # "Stay hungry," Steve Jobs once said
    re.compile(rf"{_QUOTED}[\s,.]*{_NAME}\s+{_SAID}"),
    # Steve Jobs once said: "Stay hungry." / As Steve Jobs put it, "..."
    re.compile(rf"{_NAME}\s+{_SAID}\s*[:,]?\s*{_QUOTED}"),
    # In the words of Steve Jobs: "..." / According to Steve Jobs, "..."
    re.compile(rf"(?:[Ii]n\s+the\s+words\s+of|[Aa]ccording\s+to|[Qq]uoting)\s+{_NAME}\s*[:,]?\s*{_QUOTED}"),
)
# Claims about what a named person, organisation or work said, found or published, quoted or not (verbs that
# are also plural nouns are left out: "Hiring notes:", "Sales reports" name nobody).
_WORKS = (
    r"(?:article|book|study|paper|report|essay|interview|survey|research|talk|keynote|podcast|blog\s+post|"
    r"newsletter|video|documentary|speech)"
)
_CLAIMS = (
    re.compile(rf"\b(?:[Aa]ccording\s+to|[Ii]n\s+the\s+words\s+of|[Qq]uoting)\s+{_NAME}"),
    re.compile(
        rf"{_NAME}\s+(?:{_SAID}|found|reported|claimed|published|announced|recommends|"
        r"recommended|predicted|predicts)\b"
    ),
    re.compile(rf"\b{_WORKS}\s+(?:by|from|in)\s+(?:the\s+)?{_NAME}"),
    re.compile(rf"{_NAME}['\u2019]s?\s+(?:new\s+|latest\s+|recent\s+|famous\s+)?{_WORKS}\b"),
    re.compile(rf"\b{_WORKS}\s+(?:titled|called|named)\s+[{_OPEN_QUOTE}']?{_NAME}"),
)


def _bare(token: str) -> str:
    """A token without the punctuation around it or a possessive ending."""
    return _POSSESSIVE.sub("", token.strip(_EDGE_PUNCTUATION))


def _titled(word: str) -> bool:
    """A Title-case word: a capital, then at least one lower-case letter ("Jobs", "McKinsey")."""
    return word[:1].isupper() and any(c.islower() for c in word[1:])


def _capitalised(word: str) -> bool:
    """A Title-case word or an acronym ("NASA"); an initial ("J.") counts where a run is read."""
    return bool(_NAME_WORD.match(word)) and (_titled(word) or (len(word) >= 2 and word.isupper()))


def _lower_words(text: str) -> set[str]:
    return {word for word in re.findall(r"[^\W\d_]+", text) if word.islower()}


def _headline(tokens: list[str]) -> bool:
    """A Title Case line ("5 Tips For Better Hiring"): three or more words of four letters or more, every one
    capitalised. Its capitals say nothing about names."""
    long_words = [
        word for word in (_bare(token) for token in tokens) if len(word) >= 4 and word[:1].isalpha()
    ]
    return len(long_words) >= 3 and all(_capitalised(word) for word in long_words)


def _named(run: list[str]) -> Iterator[list[str]]:
    while run and run[-1] in _CONNECTORS:
        run = run[:-1]
    if sum(_capitalised(word) for word in run) >= 2:
        yield run


def _runs(text: str) -> Iterator[list[str]]:
    """Runs of two or more capitalised words in a line ("Steve Jobs", "Harvard Business Review", "Bank of
    America", "Dr. Jane Goodall"); punctuation other than an abbreviation's full stop ends a run."""
    for line in text.splitlines():
        tokens = line.split()
        if _headline(tokens):
            continue
        run: list[str] = []
        for token in tokens:
            word = _bare(token)
            if token[:1] in _OPENING:
                yield from _named(run)
                run = []
            inner = token.lstrip(_OPENING)
            if _capitalised(word) or _ABBREVIATION.match(inner) or (run and token in _CONNECTORS):
                run.append(word)
            else:
                yield from _named(run)
                run = []
                continue
            # Punctuation after the word, or a possessive ("Luke's Dad" is not one name), ends the run.
            stops = inner != inner.rstrip(_EDGE_PUNCTUATION) or _POSSESSIVE.search(inner)
            if stops and not _ABBREVIATION.match(inner):
                yield from _named(run)
                run = []
        yield from _named(run)


def _words(text: str) -> str:
    """The words of a text, lower case, one space apart: names and quotes are looked up this way, so
    punctuation, curly quotes and line breaks never hide what the user gave."""
    return " ".join(re.findall(r"\w+", text.lower()))


def _plain(word: str, ordinary: set[str]) -> bool:
    low = word.lower()
    return low in _COMMON or low in _CONNECTORS or low in ordinary


def _name(words: list[str], ordinary: set[str], claimed: bool) -> list[str]:
    """The name in a run of capitalised words, without the ordinary words it starts with ("Great Data
    Science" -> "Data Science", "Thanks Steve Jobs" -> "Steve Jobs"); empty when what is left holds no word
    that could only be a name (a Title-case word the user never writes in lower case or, after a claim such as
    "according to", an acronym), or, outside a claim, is one word ("Accessing Chilean", "Remember Python")."""
    start = 0
    while start < len(words) and _plain(words[start], ordinary):
        start += 1
    name = words[start:]
    if len(name) < (1 if claimed else 2):
        return []
    if any(
        (_titled(word) or (claimed and _capitalised(word))) and not _plain(word, ordinary) for word in name
    ):
        return name
    return []


def _given(words: list[str], name: list[str], ordinary: set[str], allowed: Allowed) -> bool:
    """Whether the user's texts hold the name: the whole run, the name, or its distinctive part (from its
    first to its last word the user does not write in lower case: "Grace Hopper" of "Grace Hopper Award")."""
    marked = [i for i, word in enumerate(name) if not _plain(word, ordinary)]
    parts = [words, name, name[marked[0] : marked[-1] + 1] if marked else name]
    return any(f" {_words(' '.join(part))} " in allowed.given for part in parts)


def _name_words(raw: str) -> list[str]:
    return [word for word in (_bare(token) for token in raw.split()) if word]


def unsupported_claims(text: str, allowed: Allowed) -> list[str]:
    """Named people, organisations and works, and attributed quotations, that the user did not give.

    Catches: (1) a quotation in quote marks attributed to a name ('"Stay hungry." - Steve Jobs', 'As Steve
    Jobs once said: "..."', '"...," said Steve Jobs', 'In the words of Steve Jobs, "..."') whose words are
    not in the user's topic, notes, profile or own posts; (2) a name the user never wrote: a run of two or
    more capitalised words ("Steve Jobs", "Harvard Business Review", "Bank of America"), or one capitalised
    word where a claim is made of it ("according to Gartner", "Forbes reported", "a study by McKinsey",
    "an article titled ..."), unless the user's texts hold that name. Ordinary words capitalised at a
    sentence start or in a Title Case headline are not names (see `_COMMON` and `_headline`).

    Misses: a name written as one word with no claim around it ("I read Forbes"), a name in lower case, an
    acronym alone ("NASA says" is caught, "NASA" is not), an invented figure or study with no name ("a study
    found 73%..."), a quotation without quote marks, and a real name the user gave put to words they did
    not give outside quote marks ("Ada said hiring is easy" passes when Ada is theirs). It can refuse a
    place or a product the model added ("New York", "Google Sheets") as a name the user did not give: the
    variant is written again, which costs a try, never a wrong draft.
    """
    ordinary = allowed.ordinary | _lower_words(text)
    problems: list[str] = []
    for pattern in _ATTRIBUTED_QUOTES:
        for match in pattern.finditer(text):
            core = _name(_name_words(match["name"]), ordinary, claimed=True)
            quote = _words(match["quote"])
            if core and quote and f" {quote} " not in allowed.given:
                said = " ".join(match["quote"].split())
                problems.append(
                    f"quotes {' '.join(core)} with words you did not give "
                    f"(\u201c{said[:60]}{'...' if len(said) > 60 else ''}\u201d)"
                )
    names: dict[str, None] = {}
    candidates = [(words, False) for words in _runs(text)] + [
        (_name_words(match["name"]), True)
        for pattern in (*_CLAIMS, *_ATTRIBUTED_QUOTES)
        for match in pattern.finditer(text)
    ]
    for words, claimed in candidates:
        name = _name(words, ordinary, claimed)
        if name and not _given(words, name, ordinary, allowed):
            names[" ".join(name)] = None
    if names:
        listed = ", ".join(list(names)[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        problems.append(f"names {listed}, which your topic, notes and posts never mention")
    return list(dict.fromkeys(problems))
