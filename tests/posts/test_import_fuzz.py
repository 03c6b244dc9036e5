"""Generated input against the importers: any bytes are refused as a file or read as rows, never a crash;
hostile values are rejected rows; the good rows next to them always survive."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.history.importers import ImportFileError, ParsedPost, RejectedRow, open_import

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)


def read_all(data: bytes) -> list[ParsedPost | RejectedRow] | None:
    """The rows of an import, or None when the file as a whole is refused (a 4xx for the API)."""
    try:
        reader = open_import(io.BytesIO(data))
        return list(reader.rows)
    except ImportFileError:
        return None


@FUZZ
@given(st.binary(max_size=3000))
def test_any_bytes_are_refused_or_read_as_rows(data: bytes) -> None:
    rows = read_all(data)
    assert rows is None or all(isinstance(row, ParsedPost | RejectedRow) for row in rows)


CSV_HEADERS = [
    "Tweet id,Tweet permalink,Tweet text,time,impressions,engagements,retweets,replies,likes",
    "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility",
    "name,headline,location,followers,connections,about,time_spent,content,content_links,media_type,media_url,num_hashtags,hashtag_followers,hashtags,reactions,comments,views,votes,repost",
]
HOSTILE = ["1e300", "inf", "-1", "NaN", "1e10", "3000000000", "0001-01-01", "9999-12-31T23:59:59-05:00",
           "99999999 years ago", "2024-02-30", "", "-", "1,234", "\x00"]  # fmt: skip
cells = st.one_of(
    st.text(max_size=40),
    st.sampled_from(HOSTILE),
)


@FUZZ
@given(st.sampled_from(CSV_HEADERS), st.lists(st.lists(cells, min_size=1, max_size=20), max_size=8))
def test_hostile_csv_cells_are_rejected_rows(header: str, table: list[list[str]]) -> None:
    lines = [header] + [",".join(json.dumps(cell) for cell in row) for row in table]
    rows = read_all("\n".join(lines).encode())
    assert rows is None or all(isinstance(row, ParsedPost | RejectedRow) for row in rows)
    for row in rows or []:
        if isinstance(row, ParsedPost):
            assert (
                datetime(1990, 1, 1, tzinfo=UTC) <= row.posted_at <= datetime.now(UTC) + timedelta(minutes=1)
            )
            assert all(0 <= value <= 10**12 for value in row.metrics.values() if isinstance(value, int))
            assert row.followers is None or 0 <= row.followers < 2**31


scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=True),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.text(max_size=20),
    st.sampled_from(HOSTILE),
)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
good_posts = st.builds(
    lambda platform, n, likes: {
        "platform": platform,
        "content": f"A real post number {n} about shipping",
        "posted_at": (datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=n)).isoformat(),
        "likes": likes,
    },
    st.sampled_from(["linkedin", "twitter", "x"]),
    st.integers(min_value=0, max_value=10_000),
    st.integers(min_value=0, max_value=10**6),
)
hostile_posts = st.fixed_dictionaries(
    {"platform": st.sampled_from(["linkedin", "x"]), "content": st.text(min_size=1, max_size=30)},
    optional={
        "posted_at": json_values,
        "likes": json_values,
        "followers": json_values,
        "impressions": json_values,
        "external_id": json_values,
    },
)


@FUZZ
@given(st.lists(st.one_of(good_posts.map(lambda p: ("good", p)), hostile_posts.map(lambda p: ("bad", p)),
                          json_values.map(lambda p: ("bad", p))), max_size=12))  # fmt: skip
def test_json_imports_keep_every_good_row_next_to_hostile_ones(items: list[tuple[str, object]]) -> None:
    document = "[\n" + ",\n".join(json.dumps(item, allow_nan=True) for _, item in items) + "\n]"
    rows = read_all(document.encode())
    assert rows is not None
    assert len(rows) == len(items)
    parsed = {row.content for row in rows if isinstance(row, ParsedPost)}
    for kind, item in items:
        if kind == "good":
            assert isinstance(item, dict) and item["content"] in parsed


def test_a_5000_digit_number_and_deep_nesting_are_refused_as_files_not_crashes() -> None:
    assert (
        read_all(
            b'[{"platform": "x", "content": "a", "posted_at": "2024-01-01", "likes": ' + b"9" * 5000 + b"}]"
        )
        is None
    )
    assert read_all(b"[" * 100_000 + b"]" * 100_000) is None
