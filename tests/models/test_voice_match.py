"""Voice match: an author's held-out posts score like them, another author's posts do not."""

from __future__ import annotations

import numpy as np
import pytest

from models.voice.match import VoiceProfile, choose_clusters

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


# A team account: two writers taking turns (five posts each, the oldest first), each with some variety.
_RNG = np.random.default_rng(3)
_STATUS = ["tests green", "ci passing", "rolled out to 10%", "behind a flag", "docs updated"]
_TOPICS = ["how teams grow", "giving feedback", "hiring juniors", "running retros", "saying no", "onboarding"]
_OPENERS = ["Honestly,", "Confession:", "Something I keep coming back to:", "Hot take, maybe:"]
_ASKS = [
    "What would you have done in my place?",
    "How does your team handle it?",
    "I would love to hear your take in the comments below!",
]


def _terse(i: int) -> str:
    pick = _RNG.integers
    return (
        f"shipped {_FEATURES[pick(7)]} v{i}. {_STATUS[pick(5)]}. next: {_NEXT[pick(5)]} #release"
        if i % 3
        else f"{_FEATURES[pick(7)]} is live. {_STATUS[pick(5)]}. #changelog"
    )


def _chatty(i: int) -> str:
    pick = _RNG.integers
    return (
        f"{_OPENERS[pick(4)]} I have been thinking a lot this week about {_TOPICS[pick(6)]}, and story {i} "
        f"taught me more than any book did. {_ASKS[pick(3)]}"
    )


TEAM = [
    text
    for turn in range(6)
    for text in [_terse(5 * turn + j) for j in range(5)] + [_chatty(5 * turn + j) for j in range(5)]
]
TEAM_WRITERS = [name for _ in range(6) for name in ["terse"] * 5 + ["chatty"] * 5]
NEW_TERSE = [_terse(100 + i) for i in range(10)]
NEW_CHATTY = [_chatty(100 + i) for i in range(10)]


@pytest.fixture(scope="module")
def team_profile() -> VoiceProfile:
    return VoiceProfile(TEAM)


def test_a_one_writer_account_keeps_one_cluster_and_the_same_scores(terse_profile):
    single = VoiceProfile(TERSE[:30], max_clusters=1)
    assert terse_profile.cluster_count == 1 and terse_profile.silhouette == 0.0
    assert terse_profile.clusters[0].share == 1.0 and terse_profile.clusters[0].phrases == []
    texts = TERSE[30:] + CHATTY[:5]
    assert np.array_equal(terse_profile.raw_scores(texts), single.raw_scores(texts))
    assert all(match.cluster == 0 for match in terse_profile.match(texts))


def test_a_two_writer_account_gets_a_cluster_per_writer(team_profile):
    assert team_profile.cluster_count == 2 and team_profile.silhouette >= 0.15
    writers = TEAM_WRITERS[: len(team_profile.posts)]
    for cluster in team_profile.clusters:
        members = {writers[i] for i in np.flatnonzero(team_profile.labels == cluster.id)}
        assert len(members) == 1  # each cluster is one writer's posts
        assert 0.4 <= cluster.share <= 0.6
        assert {writers[i] for i in cluster.representatives} == members
        assert cluster.phrases
    assert any(
        "shipped" in cluster.phrases or "release" in cluster.phrases for cluster in team_profile.clusters
    )


def test_a_draft_in_either_writers_voice_matches_their_cluster_and_scores_high(team_profile):
    writers = TEAM_WRITERS[: len(team_profile.posts)]
    chatty_cluster = int(team_profile.labels[writers.index("chatty")])
    terse_cluster = int(team_profile.labels[writers.index("terse")])
    chatty = team_profile.match(NEW_CHATTY)
    terse = team_profile.match(NEW_TERSE)
    assert {match.cluster for match in chatty} == {chatty_cluster}
    assert {match.cluster for match in terse} == {terse_cluster}
    assert float(np.median([m.score for m in chatty])) >= 0.25
    assert float(np.median([m.score for m in terse])) >= 0.25
    assert min(m.cluster_similarity for m in chatty + terse) > 0.5
    # A third voice reads like neither writer.
    stranger = team_profile.match(["OMG!!! 🔥🔥🔥 best pizza in town #food #yum #weekend #pizza @pizzaplace"])
    assert stranger[0].score < 0.1


def test_named_writers_give_one_cluster_each():
    # Every terse post signed with its own name: too few posts each, so they pool into one cluster.
    writers = [f"{name}-{i}" if name == "terse" else name for i, name in enumerate(TEAM_WRITERS)]
    profile = VoiceProfile(TEAM, writers=writers)
    assert profile.cluster_count == 2
    assert sorted(cluster.size for cluster in profile.clusters) == [23, 25]  # the 48 profile posts
    with pytest.raises(ValueError, match="writers"):
        VoiceProfile(TEAM, writers=TEAM_WRITERS[:5])


def test_posts_that_form_one_cloud_are_one_cluster():
    rng = np.random.default_rng(0)
    cloud = rng.normal(size=(200, 16))
    labels, silhouette = choose_clusters(cloud / np.linalg.norm(cloud, axis=1, keepdims=True))
    assert set(labels) == {0} and silhouette == 0.0
    apart = np.vstack(
        [np.eye(16)[0] + 0.05 * rng.normal(size=(60, 16)), np.eye(16)[1] + 0.05 * rng.normal(size=(40, 16))]
    )
    labels, silhouette = choose_clusters(apart)
    assert np.bincount(labels).tolist() == [60, 40] and silhouette > 0.5


def test_the_hashtags_and_mentions_an_account_uses_count_for_its_voice(terse_profile):
    without = VoiceProfile(TERSE[:30], entity_signal=False)
    known, unknown = (
        "shipped docs. tests green. next: sso #release",
        "shipped docs. tests green. next: sso #launch",
    )
    gap = terse_profile.raw_scores([known, unknown])
    gap_without = without.raw_scores([known, unknown])
    assert gap[0] - gap[1] > gap_without[0] - gap_without[1] + 0.5
    # A profile without any hashtags or mentions barely weighs them.
    plain = VoiceProfile([text.replace(" #release", "") for text in TERSE[:30]])
    assert abs(float(np.diff(plain.raw_scores([known, unknown]))[0])) < 3
