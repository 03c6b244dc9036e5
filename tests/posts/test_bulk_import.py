"""The bulk import path end to end (upload, batches, COPY, upsert) against real PostgreSQL: large files,
rejected rows by line across batch boundaries, duplicates within the file and against stored posts, the
quota, and values that COPY must escape or that PostgreSQL must read as Python did."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from api.core.config import get_settings
from api.history import importers
from api.history.models import UserPost

HEADER = ["Tweet id", "Tweet permalink", "Tweet text", "time", "impressions", "retweets", "replies", "likes"]


def x_row(
    tweet_id: int, text: str | None = None, time: str = "2020-03-01 10:00 +0000", **cells: str
) -> list[str]:
    values = {
        "Tweet id": str(tweet_id),
        "Tweet permalink": f"https://twitter.com/me/status/{tweet_id}",
        "Tweet text": f"Post number {tweet_id}" if text is None else text,
        "time": time,
        "impressions": "100.0",
        "retweets": "1.0",
        "replies": "0",
        "likes": str(tweet_id % 50),
    } | cells
    return [values[name] for name in HEADER]


def x_csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def upload(client, headers, content: bytes, **form: str):
    response = client.post(
        "/api/posts/import", files={"file": ("tweets.csv", content, "text/csv")}, data=form, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def stored(db, user) -> dict[str, UserPost]:
    return {
        post.external_id: post for post in db.scalars(select(UserPost).where(UserPost.user_id == user.id))
    }


def test_bad_rows_among_100k_good_are_reported_by_line(client, user_factory, auth_headers, db):
    rows = [x_row(n) for n in range(1, 100_001)]
    rows[0] = x_row(1, time="31/31/2020")  # line 2: the first data row
    rows[998] = x_row(999, likes="-1")  # line 1000, the end of the first batch
    rows[999] = x_row(1000, text="   ")  # line 1001, the first row of the second batch
    rows[50_000] = x_row(50_001, text="a post\nover two lines")  # line 50002, good; the lines after shift
    rows[50_001] = x_row(50_002, impressions="ten")  # line 50004
    rows[70_000] = x_row(123, text="the same post id again")  # a duplicate of line 124
    rows[99_999] = x_row(100_000, time="2999-01-01 00:00 +0000")  # line 100002, the last
    me = user_factory()
    body = upload(client, auth_headers(me), x_csv(rows))
    assert body["format"] == "x_analytics"
    assert (body["imported"], body["updated"], body["skipped_duplicates"]) == (99_994, 0, 1)
    assert body["rejected_count"] == 5
    assert [(row["line"], row["reason"]) for row in body["rejected"]] == [
        (2, "time: '31/31/2020' is not a date"),
        (1000, "likes: '-1' is negative"),
        (1001, "missing post text"),
        (50_004, "impressions: 'ten' is not a number"),
        (100_002, "posted_at 2999-01-01T00:00:00+00:00 is in the future"),
    ]
    count = db.scalar(select(func.count()).select_from(UserPost).where(UserPost.user_id == me.id))
    assert count == 99_994
    posts = db.scalars(
        select(UserPost).where(UserPost.user_id == me.id, UserPost.external_id.in_(["123", "50001", "99999"]))
    ).all()
    by_id = {post.external_id: post for post in posts}
    assert by_id["123"].content == "Post number 123"  # the first occurrence is the one kept
    assert by_id["50001"].content == "a post\nover two lines"
    assert by_id["99999"].engagement_metrics == {"likes": 49, "comments": 0, "shares": 1, "impressions": 100}
    assert by_id["99999"].posted_at == datetime(2020, 3, 1, 10, 0, tzinfo=UTC)
    assert by_id["99999"].time_precision == "exact" and by_id["99999"].source_format == "x_analytics"


def test_duplicates_within_the_file_and_against_stored_posts(
    client, user_factory, auth_headers, db, monkeypatch
):
    monkeypatch.setattr(importers, "BATCH_ROWS", 3)  # every case crosses batches
    me = user_factory()
    first = upload(client, auth_headers(me), x_csv([x_row(n) for n in range(1, 6)]))
    assert (first["imported"], first["skipped_duplicates"]) == (5, 0)
    rows = [
        x_row(1),  # stored, unchanged: a duplicate
        x_row(2, likes="40"),  # stored, fresher counts: updated
        x_row(6),  # new
        x_row(7),  # new
        x_row(6, likes="9"),  # repeated within the file: the first one is kept
        x_row(2, likes="41"),  # repeated within the file, after its update: skipped
        x_row(8),  # new
        x_row(7, text="edited"),  # repeated within the file, next batch: skipped
    ]
    body = upload(client, auth_headers(me), x_csv(rows))
    assert (body["imported"], body["updated"], body["skipped_duplicates"]) == (3, 1, 4)
    assert body["rejected_count"] == 0
    posts = stored(db, me)
    assert sorted(posts, key=int) == ["1", "2", "3", "4", "5", "6", "7", "8"]
    db.refresh(posts["2"])
    assert posts["2"].engagement_metrics["likes"] == 40
    assert posts["6"].engagement_metrics["likes"] == 6 and posts["7"].content == "Post number 7"


def test_posts_without_ids_are_deduplicated_by_text_across_batches(
    client, user_factory, auth_headers, db, monkeypatch
):
    monkeypatch.setattr(importers, "BATCH_ROWS", 2)
    me = user_factory()
    data = (
        b"followers,time_spent,content,reactions,comments\n"
        b"100,2 days ago,First post,1,0\n"
        b"100,3 days ago,Second post,2,0\n"
        b"100,4 days ago,First post,3,0\n"
        b"100,5 days ago,Third post,4,0\n"
    )
    as_of = "2021-02-15T00:00:00Z"
    body = upload(client, auth_headers(me), data, as_of=as_of)
    assert (body["format"], body["imported"], body["skipped_duplicates"]) == ("linkedin_scraped", 3, 1)
    again = upload(client, auth_headers(me), data, as_of=as_of)
    assert (again["imported"], again["updated"], again["skipped_duplicates"]) == (0, 0, 4)
    assert len(db.scalars(select(UserPost).where(UserPost.user_id == me.id)).all()) == 3


def test_the_quota_cuts_across_batches_and_rejections_stay_in_line_order(
    client, user_factory, auth_headers, monkeypatch
):
    monkeypatch.setattr(importers, "BATCH_ROWS", 3)
    monkeypatch.setattr(get_settings(), "max_posts_per_user", 4)
    rows = [x_row(1), x_row(2, likes="x"), x_row(3), x_row(4), x_row(5), x_row(6, text=""), x_row(7)]
    body = upload(client, auth_headers(user_factory()), x_csv(rows))
    assert (body["imported"], body["rejected_count"]) == (4, 3)
    assert [row["line"] for row in body["rejected"]] == [3, 7, 8]
    assert "likes" in body["rejected"][0]["reason"]
    assert "missing post text" in body["rejected"][1]["reason"]
    assert "quota of 4 posts" in body["rejected"][2]["reason"]


def test_text_copy_must_escape_is_stored_as_written(client, user_factory, auth_headers, db):
    texts = {
        1: "tab\there",
        2: "back\\slash and \\N, not a null",
        3: "windows\r\nlines\rand a lone CR",
        4: "emoji \U0001f680, caf\u00e9 &amp; more",
        5: "\\.",
    }
    me = user_factory()
    body = upload(client, auth_headers(me), x_csv([x_row(n, text=text) for n, text in texts.items()]))
    assert body["imported"] == 5
    posts = stored(db, me)
    expected = texts | {4: "emoji \U0001f680, caf\u00e9 & more"}  # X escapes &
    assert {int(key): post.content for key, post in posts.items()} == expected


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2020-03-01 10:00 +0000", datetime(2020, 3, 1, 10, 0, tzinfo=UTC)),
        ("2020-03-01T10:00:00Z", datetime(2020, 3, 1, 10, 0, tzinfo=UTC)),
        ("2020-03-01 10:00 +0530", datetime(2020, 3, 1, 4, 30, tzinfo=UTC)),
        ("2020-03-01T10:00:00.123456-08:00", datetime(2020, 3, 1, 18, 0, 0, 123456, tzinfo=UTC)),
        ("2020-03-01 10:00 -15:59", datetime(2020, 3, 2, 1, 59, tzinfo=UTC)),
        ("2020-03-01 10:00 +05", datetime(2020, 3, 1, 5, 0, tzinfo=UTC)),
        ("2020-03-01 10:00 +1800", datetime(2020, 2, 29, 16, 0, tzinfo=UTC)),  # beyond PostgreSQL's offsets
        ("2020-03-01 10:00", datetime(2020, 3, 1, 10, 0, tzinfo=UTC)),  # no offset: UTC
    ],
)
def test_times_are_stored_as_the_instant_python_reads(
    client, user_factory, auth_headers, db, written, instant
):
    # A column of one shape takes the column path; next to a plain one it is read cell by cell.
    for rows in ([x_row(1, time=written)], [x_row(1, time=written), x_row(2)]):
        me = user_factory()
        assert upload(client, auth_headers(me), x_csv(rows))["imported"] == len(rows)
        post = stored(db, me)["1"]
        db.refresh(post)
        assert post.posted_at == instant


def test_a_nul_in_an_id_is_a_rejected_row_not_a_failed_import(client, user_factory, auth_headers):
    # Past the first 64 KiB, which are sniffed: a NUL there makes the file binary (a 415).
    rows = [x_row(n) for n in range(1, 2001)]
    rows.append(x_row(2001, **{"Tweet permalink": "-", "Tweet id": "2\x003"}))
    body = upload(client, auth_headers(user_factory()), x_csv(rows))
    assert (body["imported"], body["rejected_count"]) == (2000, 1)
    assert body["rejected"][0] == {"line": 2002, "reason": "external id contains a NUL character"}
