"""Generated text against the style profile: any posts give a profile (or the one documented refusal)."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.style.profile import build_style_profile

# Text that exercises the extractors: e-mail and URL look-alikes, hashtags, mentions, emoji, list markers.
pieces = st.sampled_from(
    [
        "@",
        "#",
        "http://",
        "https://x.y/",
        ".",
        "..",
        "\n",
        "\n\n",
        "- ",
        "1. ",
        "👩🏽‍💻",
        "🇩🇪",
        "A" * 300,
        "a@b",
        "@@",
        "##",
        "?",
        "!",
        "\u200d",
        "\x00",
        " ",
        "www.",
        ".com",
        "\u2014",
        "\u201c",
        "\u2019",
    ]
)
posts = st.lists(st.one_of(st.text(max_size=200), pieces), max_size=30).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)
@given(st.lists(posts, min_size=1, max_size=6))
def test_any_posts_give_a_profile_or_the_empty_refusal(texts: list[str]) -> None:
    try:
        profile = build_style_profile(texts, background=["a reference post about work"], with_embedding=False)
    except ValueError as exc:
        assert not any(text.strip() for text in texts), exc
        return
    assert profile.post_count == sum(1 for text in texts if text.strip())
    assert profile.model_dump_json()  # every figure is a finite JSON number
