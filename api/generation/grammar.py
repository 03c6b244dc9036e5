"""A llama.cpp grammar (GBNF) that keeps invented hashtags and @mentions out of an answer as it is written.

The checks repair a variant after the fact (an invented mention becomes a plain word, a hashtag beyond the
user's habit is dropped); a small model asked for a post in a voice full of tags writes them anyway, so
many first answers needed a repair. With `LLM_GRAMMAR` on (`make up` turns it on for the embedded llama.cpp
server; OpenAI's API knows no grammar), the server may write `#` only as one of the hashtags the user uses,
at most their habit's number of them (none when their habit is none), and `@` only as one of the handles
their request names.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

# The most used spellings offered to the model: enough for any habit, small enough to keep sampling fast.
MAX_HASHTAGS = 40
_TAG = re.compile(r"(?<![\w&])[#\uFF03]([^\W_]\w*)")
_HANDLE = re.compile(r"(?<![\w.])[@\uFF20](\w{1,30})")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# What may follow a hashtag or a handle (a GBNF character class): a space or line end, punctuation, an emoji.
_ENDS = r" \t\n.,!?;:)\]'\"\u2019\u201D\u2026\u2600-\u27BF\U0001F300-\U0001FAFF"


def entity_grammar(own_texts: Iterable[str], given_texts: Iterable[str], max_hashtags: int) -> str:
    """The grammar: any text, where `#` starts only a hashtag of the user's posts or request, at most
    `max_hashtags` of them (their habit), and `@` only a handle their request (`given_texts`: topic, notes,
    template) names."""
    given = [_URL.sub(" ", text) for text in given_texts]
    tags: Counter[str] = Counter()
    if max_hashtags > 0:
        for text in [*given, *(_URL.sub(" ", text) for text in own_texts)]:
            tags.update(match[1] for match in _TAG.finditer(text))
    handles = sorted({match[1] for text in given for match in _HANDLE.finditer(text)})
    rules = ["plain ::= [^#@\\uFF03\\uFF20]" + (" | handle" if handles else "")]
    if handles:
        rules.append('handle ::= "@" (' + " | ".join(f'"{name}"' for name in handles) + ") end")
    if tags:
        # At most the user's habit of hashtags (the checks drop any beyond it), each one of theirs.
        spelled = [tag for tag, _ in tags.most_common(MAX_HASHTAGS)]
        root = f"root ::= plain* (tag plain*){{0,{max_hashtags}}}"
        rules.append('tag ::= "#" (' + " | ".join(f'"{tag}"' for tag in spelled) + ") end")
    else:
        root = "root ::= plain+"
    if tags or handles:
        # A listed hashtag or handle ends there: "#DataViz" must not run on into "#DataVizR".
        rules.append(f"end ::= [{_ENDS}]")
    return "\n".join([root, *rules]) + "\n"
