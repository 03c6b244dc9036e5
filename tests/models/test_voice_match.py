"""Voice match: an author's held-out posts score like them, another author's posts do not."""

from __future__ import annotations

import numpy as np
import pytest

from models.voice.match import VoiceProfile

_FEATURES = ["search", "billing", "exports", "sso", "webhooks", "alerts", "audit log"]
_NEXT = ["perf", "docs", "mobile", "caching", "i18n"]
TERSE = [f"shipped {_FEATURES[i % 7]}. tests green. next: {_NEXT[i % 5]} #release" for i in range(40)]
CHATTY = [
    f"Honestly, I have been thinking a lot this week about how teams grow, and story {i} is a good one. "
    "What would you have done in my place? I would love to hear your take in the comments below!"
    for i in range(40)
]


@pytest.fixture(scope="module")
def terse_profile() -> VoiceProfile:
    return VoiceProfile(TERSE[:30])


def test_held_out_own_posts_outscore_another_authors_posts(terse_profile):
    own = terse_profile.raw_scores(TERSE[30:])
    other = terse_profile.raw_scores(CHATTY[:10])
    assert own.min() > other.max()


def test_scores_are_calibrated_on_the_authors_own_posts(terse_profile):
    own = [match.score for match in terse_profile.match(TERSE[30:])]
    other = [match.score for match in terse_profile.match(CHATTY[:5])]
    assert 0.2 <= float(np.median(own)) <= 1.0
    assert max(other) == 0.0
    assert all(0.0 <= score <= 1.0 for score in own)


def test_differences_are_said_in_plain_words(terse_profile):
    [match] = terse_profile.match([CHATTY[0]])
    assert any("characters" in sentence for sentence in match.differences)
    assert match.closest and all(0 <= index < len(terse_profile.posts) for index in match.closest)


def test_too_few_posts_is_a_clear_error():
    with pytest.raises(ValueError, match="at least 10 posts"):
        VoiceProfile(TERSE[:5])
