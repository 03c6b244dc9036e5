"""The bulk import reads X Analytics exports a batch of columns at a time; the row-by-row reader is the
reference. Whatever the cells, both must give the same posts and the same rejections, on the same lines."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.history import importers
from api.history.importers import ImportFileError, ParsedPost, PostBatch, RejectedRow, open_import

FUZZ = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True
)
AS_OF = datetime(2021, 2, 15, tzinfo=UTC)

Comparable = tuple[Any, ...]


def by_rows(data: bytes) -> list[Comparable]:
    """The reference: every row through the row mapper."""
    return [_comparable_row(row) for row in open_import(io.BytesIO(data), as_of=AS_OF).rows]


def by_batches(data: bytes, batch_rows: int) -> list[Comparable]:
    """The bulk path's batches, flattened back into rows in line order."""
    with _batch_rows(batch_rows):
        batches = list(open_import(io.BytesIO(data), as_of=AS_OF).batches)
    found: list[Comparable] = []
    for batch in batches:
        assert [row.line for row in batch.rejected] == sorted(row.line for row in batch.rejected)
        found += [("rejected", row.line, row.reason) for row in batch.rejected]
        found += [_comparable_post(batch, index) for index in range(len(batch))]
    return sorted(found, key=lambda row: row[1])


@contextmanager
def _batch_rows(size: int) -> Iterator[None]:
    with mock.patch.object(importers, "BATCH_ROWS", size):
        yield


@contextmanager
def rows_through_the_row_mapper() -> Iterator[list[int]]:
    """The lines of the rows the batch path hands to the row mapper."""
    lines: list[int] = []
    build = importers._x_analytics

    def counting(layout: Any) -> Any:
        map_row = build(layout)

        def mapped(values: Any, line: int, context: Any) -> ParsedPost:
            lines.append(line)
            return map_row(values, line, context)

        return mapped

    with mock.patch.object(importers, "_x_analytics", counting):
        yield lines


def _comparable_row(row: ParsedPost | RejectedRow) -> Comparable:
    if isinstance(row, RejectedRow):
        return ("rejected", row.line, row.reason)
    return (
        "post",
        row.line,
        row.platform,
        row.content,
        row.metrics,
        row.posted_at,
        row.time_precision.value,
        row.external_id,
        row.followers,
    )


def _comparable_post(batch: PostBatch, index: int) -> Comparable:
    posted_at = datetime.fromisoformat(batch.posted_at[index])
    assert posted_at.tzinfo is not None  # stored as written: the offset must be explicit
    return (
        "post",
        batch.lines[index],
        batch.platforms[index],
        batch.contents[index],
        json.loads(batch.metrics[index]),
        posted_at,  # the same instant, possibly written with another offset
        batch.precisions[index],
        batch.external_ids[index],
        batch.followers[index],
    )


def assert_same_reading(data: bytes, batch_rows: int = 3) -> list[Comparable]:
    try:
        expected = by_rows(data)
    except ImportFileError:
        with pytest.raises(ImportFileError):
            by_batches(data, batch_rows)
        return []
    assert by_batches(data, batch_rows) == expected
    return expected


FULL_HEADER = [
    "Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "engagements", "engagement rate",
    "retweets", "replies", "likes", "user profile clicks", "url clicks", "hashtag clicks", "detail expands",
    "media views",
]  # fmt: skip
GOOD_ROW = {
    "Tweet id": "1091095912330551297",
    "Tweet permalink": "https://twitter.com/me/status/1091095912330551297",
    "Tweet text": "Ship it &amp; learn",
    "time": "2019-01-31 22:08 +0000",
    "impressions": "312.0",
    "engagements": "9.0",
    "engagement rate": "0.028846153846153848",
    "retweets": "1.0",
    "replies": "2",
    "likes": "3.0",
    "user profile clicks": "0",
    "url clicks": "4.0",
    "hashtag clicks": "-",
    "detail expands": "1.0",
    "media views": "0",
}
TIMES = [
    "2019-01-31 22:08 +0000", "2019-01-31T22:08:00Z", "2019-01-31T22:08:00.250+05:30",
    "2019-01-31 22:08 -0800",
    "2019-01-31 22:08 +05", "2019-01-31 22:08 +1559", "2019-01-31 22:08 +1600", "2019-01-31 22:08 +2359",
    "2019-01-31 22:08", "2019-01-31", "2019-01-31+01:00", "07/04/2021", "2023-05-10 14:23:11 UTC",
    " 2019-01-31 22:08 +0000 ", "1989-12-31 23:59 +0000", "1990-01-01 00:30 +0100", "2999-01-01 00:00 +0000",
    "2019-02-30 10:00 +0000", "2019-01-31 24:00 +0000", "0001-01-01 00:00 +0100", "20190131T2208Z",
    "2019-01-31T22:08:00.1234567+00:00", "\u0662019-01-31 22:08 +0000", "-", "", "yesterday",
]  # fmt: skip
COUNTS = [
    "312.0", "7", "0", "0.0", "00", "0312", "312.00", ".0", "1,234", "1 234", "-1", "-0", "1.5", "nan", "inf",
    "1e3", "", "-", " 12", "999999999999", "999999999999.0", "1000000000000", "1000000000001",
    "99999999999999999999", "\u0663", "\u00b2", "12\u00a0345", "3.0.0",
]  # fmt: skip
TEXTS = [
    "Ship it", "Ship it &amp; learn &gt; &#0;", "multi\nline\r\nwith \"quotes\"", "tab\there", "back\\slash",
    "", " ", "-", " - ", "nul\x00inside", "x" * 125_001, " padded ", "emoji \U0001f680 caf\u00e9", "&",
]  # fmt: skip
LINKS = [
    "https://twitter.com/me/status/1091095912330551297", "https://twitter.com/me/status/42/",
    " https://x.com/a/status/7 ",
    "https://twitter.com/me", "-", "", "https://x.com/i/web/status/" + "9" * 101, "status/\u0663\u0664",
    "https://example.com/post-12345678901-xyz",
]  # fmt: skip
IDS = ["1091095912330551297", "", "-", "1.09109591233055E+18", "9" * 101, " 77 ", "a\x00b"]


def x_cells() -> st.SearchStrategy[dict[str, str]]:
    """An X Analytics row: mostly good cells, with hostile ones drawn per column."""
    return st.fixed_dictionaries(
        {
            "Tweet id": st.sampled_from(IDS) | st.just(GOOD_ROW["Tweet id"]),
            "Tweet permalink": st.sampled_from(LINKS),
            "Tweet text": st.sampled_from(TEXTS) | st.text(max_size=30),
            "time": st.sampled_from(TIMES),
            **{
                name: st.sampled_from(COUNTS) | st.just(GOOD_ROW[name])
                for name in ("impressions", "engagements", "retweets", "replies", "likes", "url clicks")
            },
            "user profile clicks": st.sampled_from(COUNTS),
            "media views": st.sampled_from(COUNTS) | st.just("0"),
        }
    )


def write_csv(
    header: list[str], rows: list[dict[str, str]], quoting: int, extras: list[tuple[int, str]]
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=quoting, lineterminator="\n")
    writer.writerow(header)
    lines = out.getvalue()
    body = []
    for row in rows:
        out = io.StringIO()
        csv.writer(out, quoting=quoting, lineterminator="\n").writerow([row.get(name, "") for name in header])
        body.append(out.getvalue())
    for position, raw in extras:  # blank lines, short rows, stray quotes...
        body.insert(min(position, len(body)), raw)
    return (lines + "".join(body)).encode("utf-8")


RAW_LINES = [
    "\n",
    ",,,\n",
    "\r\n",
    '"a",""\n',
    '""\n',
    '","\n',
    '"a","b\n',
    '"a"""\n',
    'a,"b",c\n',
    '"x",","\n',
    '"1","https://twitter.com/a/status/9","ok, fine","2019-01-31 22:08 +0000","1"\r\n',
    "5,https://twitter.com/a/status/5,unquoted,2019-01-31 22:08 +0000,5\r",
    '"1","https://twitter.com/a/status/1","short row"\n',
    '"2","https://twitter.com/a/status/2","unterminated quote,"2019-01-31 22:08 +0000"\n',
    '3,https://twitter.com/a/status/3,a "quoted" word,2019-01-31 22:08 +0000,5\n',
    '"4","https://twitter.com/a/status/4","closed"then more","2019-01-31 22:08 +0000","5"\n',
]


@FUZZ
@given(
    header=st.sampled_from(
        [
            FULL_HEADER,
            [name for name in FULL_HEADER if name != "Tweet permalink"],
            [name for name in FULL_HEADER if name not in ("Tweet id", "media views")],
            ["time", "impressions", "Tweet text", "likes", "Tweet permalink"],
            [name.replace(" ", ".") for name in FULL_HEADER],
        ]
    ),
    rows=st.lists(x_cells(), max_size=12),
    good=st.integers(min_value=0, max_value=8),
    quoting=st.sampled_from([csv.QUOTE_ALL, csv.QUOTE_MINIMAL]),
    extras=st.lists(st.tuples(st.integers(0, 20), st.sampled_from(RAW_LINES)), max_size=3),
    batch_rows=st.sampled_from([1, 2, 3, 1000]),
    line_ending=st.sampled_from(["\n", "\r\n"]),
)
def test_batches_read_x_analytics_exactly_as_rows(
    header: list[str],
    rows: list[dict[str, str]],
    good: int,
    quoting: int,
    extras: list[tuple[int, str]],
    batch_rows: int,
    line_ending: str,
) -> None:
    all_rows = [GOOD_ROW] * good + rows
    plain = [{dotted: row.get(dotted.replace(".", " "), "") for dotted in header} for row in all_rows]
    data = write_csv(header, plain, quoting, extras)
    if line_ending == "\r\n":
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    assert_same_reading(data, batch_rows)


@FUZZ
@given(st.binary(max_size=2000), st.sampled_from([1, 3, 1000]))
def test_any_bytes_under_an_x_header_read_the_same(tail: bytes, batch_rows: int) -> None:
    header = ",".join(FULL_HEADER).encode() + b"\n"
    assert_same_reading(header + tail, batch_rows)


def test_a_clean_batch_takes_the_column_path_and_keeps_every_value() -> None:
    rows = [dict(GOOD_ROW, **{"Tweet permalink": f"https://twitter.com/a/status/{n}"}) for n in range(1, 6)]
    data = write_csv(FULL_HEADER, rows, csv.QUOTE_ALL, [])
    with rows_through_the_row_mapper() as mapped:
        [batch] = list(open_import(io.BytesIO(data)).batches)
    assert mapped == []  # the column checks kept every row
    assert batch.lines == [2, 3, 4, 5, 6]
    assert batch.external_ids == ["1", "2", "3", "4", "5"]
    assert batch.contents[0] == "Ship it & learn"
    assert batch.posted_at[0] == "2019-01-31 22:08 +0000"  # stored as written: PostgreSQL reads it alike
    assert json.loads(batch.metrics[0]) == {
        "likes": 3, "comments": 2, "shares": 1, "impressions": 312, "engagements": 9, "url_clicks": 4,
        "profile_clicks": 0, "media_views": 0,
    }  # fmt: skip
    assert_same_reading(data)


def test_doubtful_rows_are_decided_by_the_row_mapper_in_line_order() -> None:
    rows = [
        GOOD_ROW,
        dict(GOOD_ROW, likes="-1"),
        dict(GOOD_ROW, time="2019-02-30 10:00 +0000"),
        dict(GOOD_ROW, likes="1,234"),  # its column is read cell by cell, and the row kept on the column path
        dict(GOOD_ROW, **{"Tweet text": ""}),
    ]
    data = write_csv(FULL_HEADER, rows, csv.QUOTE_ALL, [(1, '"multi","line\nrow"\n')])
    with rows_through_the_row_mapper() as mapped:
        reading = assert_same_reading(data, batch_rows=1000)
    assert mapped == [3, 5, 6, 8]
    assert [(row[0], row[1]) for row in reading] == [
        ("post", 2),
        ("rejected", 3),  # the two-line row: the next one starts on line 5
        ("rejected", 5),
        ("rejected", 6),
        ("post", 7),
        ("rejected", 8),
    ]
    assert "likes" in reading[2][2] and "negative" in reading[2][2]
    assert reading[4][4]["likes"] == 1234


CSV_CHARACTERS = 'ab,"\r\n\x00 '
# Lines of fields, each written as it is or quoted the way csv.writer quotes: plain lines more often.
written_lines = st.lists(
    st.tuples(st.text(alphabet=CSV_CHARACTERS, max_size=6), st.booleans()), min_size=1, max_size=4
).map(
    lambda fields: ",".join(
        '"' + text.replace('"', '""') + '"' if quoted else text for text, quoted in fields
    )
)


@FUZZ
@given(
    st.lists(
        st.text(alphabet=CSV_CHARACTERS, max_size=30) | written_lines.map(lambda line: line + "\n"),
        max_size=12,
    ),
    st.sampled_from([1, 3, 1000]),
    st.sampled_from([8, 1_000_000]),
)
def test_lines_are_split_as_csv_reader_splits_them(
    lines: list[str], batch_rows: int, field_limit: int
) -> None:
    """The batch path splits plain lines itself and hands the others to csv.reader: the rows, their
    lines and the unreadable ones (fields past the size limit) are csv.reader's."""
    data = "h1,h2\n" + "".join(lines)
    previous_limit = csv.field_size_limit()
    try:
        csv.field_size_limit(field_limit)
        reader = csv.reader(io.StringIO(data, newline=""))
        next(reader)
        expected = list(importers._csv_rows(reader, {}, lambda _: _record, None))  # type: ignore[arg-type]
        text = io.StringIO(data, newline="")
        reader = csv.reader(text)
        next(reader)
        with _batch_rows(batch_rows):
            chunks = list(importers._csv_chunks(text, reader.line_num))
    finally:
        csv.field_size_limit(previous_limit)
    found: list[Any] = []
    for starts, records, unreadable in chunks:
        found += unreadable + list(zip(starts, records, strict=True))
    assert sorted(found, key=_line) == expected


def _record(values: list[str], line: int, context: object) -> tuple[int, list[str]]:
    return line, values


def _line(row: Any) -> int:
    return row.line if isinstance(row, RejectedRow) else row[0]
