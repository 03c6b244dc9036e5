"""Format detection and parsing of post exports, as plain functions (no database)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.history.importers import (
    ImportFormat,
    MalformedFile,
    NotCsvOrJson,
    ParsedPost,
    RejectedRow,
    RowError,
    TimePrecision,
    UnknownFormat,
    linkedin_id_time,
    open_import,
    parse_count,
    parse_relative_age,
    parse_timestamp,
)

DATASETS = Path(__file__).resolve().parents[3] / "shared" / "datasets"
AS_OF = datetime(2021, 2, 15, tzinfo=UTC)

X_HEADER = (
    '"Tweet id","Tweet permalink","Tweet text","time","impressions","engagements","engagement rate",'
    '"retweets","replies","likes","user profile clicks","url clicks"\n'
)


def x_row(tweet_id: str, text: str, time: str, impressions: str = "10", likes: str = "1") -> str:
    """One X Analytics CSV row under X_HEADER."""
    cells = [tweet_id, f"https://twitter.com/a/status/{tweet_id}", text, time, impressions, "1", "0"]
    cells += ["0", "0", likes, "0", "0"]
    return ",".join(f'"{cell}"' for cell in cells) + "\n"


def read(data: bytes | str, declared: ImportFormat | None = None, **kwargs) -> tuple[ImportFormat, list]:
    raw = data.encode() if isinstance(data, str) else data
    reader = open_import(io.BytesIO(raw), declared, as_of=AS_OF, **kwargs)
    return reader.format, list(reader.rows)


def linkedin_id(moment: datetime) -> str:
    """A LinkedIn activity id created at `moment` (its top bits are the time in milliseconds)."""
    return str((int(moment.timestamp() * 1000) << 22) | 12345)


def posts(rows: list) -> list[ParsedPost]:
    return [row for row in rows if isinstance(row, ParsedPost)]


def rejected(rows: list) -> list[RejectedRow]:
    return [row for row in rows if isinstance(row, RejectedRow)]


def needs_dataset(folder: str) -> Path:
    path = DATASETS / folder
    if not path.is_dir():
        pytest.skip(f"{path} is not present")
    return path


class TestXAnalytics:
    def test_a_row_becomes_a_normalised_post(self):
        fmt, rows = read(
            X_HEADER + '"1091095912330551297","https://twitter.com/me/status/1091095912330551297",'
            '"Ship it &amp; learn","2019-01-31 22:08 +0000","312.0","9.0","0.03","1.0","2.0","3.0",'
            '"0.0","4.0"\n'
        )
        assert fmt is ImportFormat.X_ANALYTICS
        [post] = posts(rows)
        assert post.platform == "twitter"
        assert post.content == "Ship it & learn"
        assert post.posted_at == datetime(2019, 1, 31, 22, 8, tzinfo=UTC)
        assert post.time_precision is TimePrecision.EXACT
        assert post.external_id == "1091095912330551297"
        assert post.metrics["likes"] == 3
        assert post.metrics["comments"] == 2
        assert post.metrics["shares"] == 1
        assert post.metrics["impressions"] == 312
        assert post.metrics["url_clicks"] == 4

    def test_dotted_headers_and_float_mangled_ids_use_the_permalink(self):
        data = (
            "Tweet.id,Tweet.permalink,Tweet.text,time,impressions,engagements,retweets,replies,likes\n"
            "1035648425033785300,https://twitter.com/WeAreRLadies/status/1035648425033785344,hello,"
            "2018-08-31 22:00 +0000,2278,82,3,1,34\n"
        )
        fmt, rows = read(data)
        assert fmt is ImportFormat.X_ANALYTICS
        assert posts(rows)[0].external_id == "1035648425033785344"

    def test_bad_rows_are_rejected_with_their_line_and_good_rows_kept(self):
        when = "2019-01-31 22:08 +0000"
        data = (
            X_HEADER
            + x_row("1", "ok", when)
            + x_row("2", "multi\nline", "yesterday")
            + x_row("3", "", when)
            + x_row("4", "x", when, impressions="ten")
            + x_row("5", "y", when, likes="-1")
            + x_row("6", "z", "2019-02-01 10:00 +0000")
        )
        _, rows = read(data)
        assert [post.external_id for post in posts(rows)] == ["1", "6"]
        reasons = {row.line: row.reason for row in rejected(rows)}
        # the multi-line record starts on line 3 and the next one on line 5
        assert set(reasons) == {3, 5, 6, 7}
        assert "not a date" in reasons[3]
        assert "missing post text" in reasons[5]
        assert "impressions" in reasons[6] and "not a number" in reasons[6]
        assert "negative" in reasons[7]

    def test_a_post_dated_in_the_future_is_rejected(self):
        data = X_HEADER + x_row("1", "soon", "2999-01-01 10:00 +0000")
        _, rows = read(data)
        assert "future" in rejected(rows)[0].reason

    def test_real_exports_parse_completely(self):
        folder = needs_dataset("twitter_analytics_wearerladies")
        with (folder / "rocur_tweets_thru_Dec2019.csv").open("rb") as handle:
            reader = open_import(handle)
            rows = list(reader.rows)
        assert reader.format is ImportFormat.X_ANALYTICS
        assert len(posts(rows)) == 2720 and not rejected(rows)
        assert len({post.external_id for post in posts(rows)}) == 2720
        # the file's stray cp1252 bytes are in the curator columns; the text is intact UTF-8
        assert all("\ufffd" not in post.content for post in posts(rows))


class TestEncodings:
    def test_utf8_bom_is_dropped(self):
        data = "\ufeffDate,ShareLink,ShareCommentary\n2023-05-10 14:23:11,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7020459207834935296,Hello\n"
        fmt, rows = read(data.encode("utf-8"))
        assert fmt is ImportFormat.LINKEDIN_SHARES
        assert posts(rows)[0].external_id == "7020459207834935296"

    def test_stray_cp1252_bytes_are_read_not_fatal(self):
        data = (
            b"Date,ShareLink,ShareCommentary\n"
            b"2023-05-10 14:23:11,https://l/1234567890123,It\x92s caf\xc3\xa9 time\n"
        )
        _, rows = read(data)
        assert posts(rows)[0].content == "It\u2019s caf\u00e9 time"

    def test_utf16_with_bom_is_read(self):
        data = "Date,ShareLink,ShareCommentary\n2023-05-10 14:23:11,https://l/1234567890123,Hallo\n"
        _, rows = read(data.encode("utf-16"))
        assert posts(rows)[0].content == "Hallo"


class TestWholeFileErrors:
    @pytest.mark.parametrize(
        "data",
        [b"PK\x03\x04\x14\x00\x06\x00workbook", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"just some words\n"],
    )
    def test_not_csv_or_json(self, data):
        with pytest.raises(NotCsvOrJson):
            read(data)

    def test_unknown_csv_columns_are_named(self):
        with pytest.raises(UnknownFormat, match="name, email"):
            read("name,email\nAda,ada@example.com\n")

    def test_empty_file(self):
        with pytest.raises(UnknownFormat, match="empty"):
            read(b"  \n")

    def test_declared_format_must_match(self):
        with pytest.raises(UnknownFormat, match="declared as linkedin_shares"):
            read(X_HEADER, ImportFormat.LINKEDIN_SHARES)

    def test_broken_json_is_malformed(self):
        with pytest.raises(MalformedFile, match="line 2"):
            read('[{"platform": "x", "content": "a", "posted_at": "2024-01-01T10:00:00Z"},\n{oops}]')

    def test_a_json_object_is_not_a_list_of_posts(self):
        with pytest.raises(UnknownFormat, match="list of posts"):
            read('{"platform": "x"}')


class TestJson:
    def test_items_map_and_bad_items_are_rejected_by_line(self):
        items = [
            {
                "platform": "x",
                "content": "hello",
                "posted_at": "2024-03-01T09:30:00+01:00",
                "likes": 5,
                "comments": 1,
                "shares": 0,
                "impressions": 400,
                "followers": 1200,
                "external_id": 42,
            },
            {"platform": "myspace", "content": "a", "posted_at": "2024-03-01"},
            {"platform": "linkedin", "content": "b", "posted_at": "2024-03-01", "likes": -1},
            "not an object",
            {"platform": "linkedin", "content": "c", "posted_at": "2024-03-02"},
        ]
        document = "[\n" + ",\n".join(json.dumps(item) for item in items) + "\n]"
        fmt, rows = read(document)
        assert fmt is ImportFormat.JSON
        first, last = posts(rows)
        assert first.platform == "twitter"
        assert first.posted_at == datetime(2024, 3, 1, 8, 30, tzinfo=UTC)
        assert first.external_id == "42" and first.followers == 1200
        assert first.metrics == {"likes": 5, "comments": 1, "shares": 0, "impressions": 400}
        assert last.time_precision is TimePrecision.DAY and last.metrics == {}
        assert [(row.line, row.reason.split(":")[0]) for row in rejected(rows)] == [
            (3, "platform"),
            (4, "likes"),
            (5, "each item must be an object with platform, content and posted_at"),
        ]

    def test_default_followers_fill_rows_without_them(self):
        document = '[{"platform": "x", "content": "a", "posted_at": "2024-01-01"}]'
        _, rows = read(document, default_followers=900)
        assert posts(rows)[0].followers == 900


class TestLinkedIn:
    def test_shares_without_commentary_are_rejected(self):
        data = (
            "Date,ShareLink,ShareCommentary,SharedUrl,MediaUrl,Visibility\n"
            '2023-05-10 14:23:11,https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A7458194261025673216,"Two\n\nparagraphs",,,PUBLIC\n'
            "2023-05-11 08:00:00,https://www.linkedin.com/feed/update/urn%3Ali%3Ashare%3A7448081445065035776,,https://example.com,,PUBLIC\n"
        )
        _, rows = read(data)
        [post] = posts(rows)
        assert post.content == "Two\n\nparagraphs"
        assert post.external_id == "7458194261025673216"
        assert post.metrics == {"visibility": "PUBLIC"}
        assert rejected(rows)[0].line == 5 and "reshare" in rejected(rows)[0].reason

    def test_creator_analytics_with_us_dates(self):
        data = (
            "Post title,Post link,Created date,Impressions,Clicks,Likes,Comments,Reposts\n"
            "Hiring!,https://www.linkedin.com/feed/update/urn:li:activity:7000000000000000001,"
            '07/17/2021,"1,204",30,41,5,2\n'
        )
        fmt, rows = read(data)
        assert fmt is ImportFormat.LINKEDIN_ANALYTICS
        [post] = posts(rows)
        assert post.posted_at == datetime(2021, 7, 17, tzinfo=UTC)
        assert post.time_precision is TimePrecision.DAY
        assert post.metrics == {"likes": 41, "comments": 5, "shares": 2, "impressions": 1204, "clicks": 30}

    def test_naas_export(self):
        folder = needs_dataset("linkedin_creator_mafreeman2")
        with (folder / "linkedin_posts_df.csv").open("rb") as handle:
            reader = open_import(handle)
            rows = list(reader.rows)
        assert reader.format is ImportFormat.LINKEDIN_ANALYTICS
        assert len(posts(rows)) == 103
        first = posts(rows)[0]
        assert first.external_id == "6821831282234933248"
        # DATE_APPROX says 2021-07-17 ("2d"); the post's URN says the minute it went out.
        assert first.posted_at == datetime(2021, 7, 16, 16, 2, 1, 181000, tzinfo=UTC)
        assert first.time_precision is TimePrecision.EXACT
        assert all(post.time_precision is TimePrecision.EXACT for post in posts(rows))
        # Six posts share the "1w" date; their ids put them on five different days, in the export's order.
        week = [post.posted_at for post in posts(rows)[5:11]]
        assert week == sorted(week, reverse=True) and len({moment.date() for moment in week}) == 5
        assert first.metrics["impressions"] == 966 and first.metrics["reactions_by_type"]["like"] == 19

    def test_scraped_influencer_schema_counts_back_from_as_of(self):
        data = (
            "followers,time_spent,content,reactions,comments,media_type\n"
            "6484.0,2 months ago,Post,22,2,article\n"
        )
        fmt, rows = read(data)
        assert fmt is ImportFormat.LINKEDIN_SCRAPED
        [post] = posts(rows)
        assert post.posted_at == datetime(2020, 12, 15, tzinfo=UTC)
        assert post.followers == 6484 and post.external_id is None
        assert post.time_precision is TimePrecision.APPROXIMATE

    def test_scraped_post_dated_by_its_own_activity_id(self):
        moment = datetime(2020, 12, 11, 14, 5, tzinfo=UTC)  # 66 days before AS_OF: "2 months ago"
        own, other = linkedin_id(moment), linkedin_id(datetime(2019, 1, 2, tzinfo=UTC))
        tag = "https://www.linkedin.com/feed/hashtag/?highlightedUpdateUrns=urn%3Ali%3Aactivity%3A"
        profile = "https://www.linkedin.com/in/someone"
        data = (
            "followers,time_spent,content,content_links,reactions,comments\n"
            f"6484.0,2 months ago,Dated by its id,\"[['{tag}{own}', '#data']]\",22,2\n"
            f"6484.0,2 months ago,An id two years off,\"[['{tag}{other}', '#data']]\",22,2\n"
            f"6484.0,2 months ago,A profile link only,\"[['{profile}', 'X']]\",22,2\n"
        )
        [dated, disagreeing, plain] = posts(read(data)[1])
        assert (dated.posted_at, dated.time_precision) == (moment, TimePrecision.EXACT)
        assert dated.external_id == own
        for post in (disagreeing, plain):
            assert post.posted_at == datetime(2020, 12, 15, tzinfo=UTC)
            assert (post.time_precision, post.external_id) == (TimePrecision.APPROXIMATE, None)

    def test_creator_export_date_and_id_must_agree(self):
        header = "Post title,Post link,Created date,Impressions,Likes,Comments\n"
        same_day = linkedin_id(datetime(2021, 7, 17, 9, 30, tzinfo=UTC))
        link = "https://www.linkedin.com/feed/update/urn:li:activity:"
        data = header + f"A,{link}{same_day},07/17/2021,90,4,1\nB,{link}{same_day},07/01/2021,90,4,1\n"
        [agreeing, disagreeing] = posts(read(data)[1])
        assert agreeing.posted_at == datetime(2021, 7, 17, 9, 30, tzinfo=UTC)
        assert agreeing.time_precision is TimePrecision.EXACT
        assert disagreeing.posted_at == datetime(2021, 7, 1, tzinfo=UTC)
        assert disagreeing.time_precision is TimePrecision.DAY

    @pytest.mark.parametrize(
        "raw", [None, "", "123", "68218312822349332480", "0000000000000000042", "urn:li:activity:x"]
    )
    def test_what_is_not_a_linkedin_id_gives_no_time(self, raw):
        assert linkedin_id_time(raw) is None


class TestXArchive:
    def test_other_accounts_tweets_are_rejected(self):
        folder = needs_dataset("twitter_yumbrands")
        with (folder / "yum_tweets_10_years.csv").open("rb") as handle:
            reader = open_import(handle)
            rows = list(reader.rows)
        assert reader.format is ImportFormat.X_ARCHIVE
        assert len(posts(rows)) == 1900
        assert len(rejected(rows)) == 714
        assert all("not your own post" in row.reason for row in rejected(rows))


class TestFieldParsers:
    @pytest.mark.parametrize(("raw", "expected"), [("312.0", 312), ("7", 7), ("1,204", 1204), (None, None)])
    def test_counts(self, raw, expected):
        assert parse_count(raw, "likes") == expected

    @pytest.mark.parametrize("raw", ["1.5", "nan", "inf", "abc", "-3"])
    def test_bad_counts(self, raw):
        with pytest.raises(RowError):
            parse_count(raw, "likes")

    @pytest.mark.parametrize(
        ("raw", "expected", "precision"),
        [
            ("2023-05-10 14:23:11", datetime(2023, 5, 10, 14, 23, 11, tzinfo=UTC), TimePrecision.EXACT),
            ("2023-05-10 14:23:11 UTC", datetime(2023, 5, 10, 14, 23, 11, tzinfo=UTC), TimePrecision.EXACT),
            ("2019-01-31 22:08 +0100", datetime(2019, 1, 31, 21, 8, tzinfo=UTC), TimePrecision.EXACT),
            ("07/04/2021", datetime(2021, 7, 4, tzinfo=UTC), TimePrecision.DAY),
            ("2021-07-17", datetime(2021, 7, 17, tzinfo=UTC), TimePrecision.DAY),
        ],
    )
    def test_timestamps(self, raw, expected, precision):
        assert parse_timestamp(raw, "date") == (expected, precision)

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("3 months ago", datetime(2020, 11, 15, tzinfo=UTC)),
            ("1 year ago", datetime(2020, 2, 15, tzinfo=UTC)),
            ("20 hours ago", datetime(2021, 2, 14, 4, tzinfo=UTC)),
            ("2w", datetime(2021, 2, 1, tzinfo=UTC)),
            ("9", datetime(2021, 2, 6, tzinfo=UTC)),
            ("a day ago", datetime(2021, 2, 14, tzinfo=UTC)),
        ],
    )
    def test_relative_ages(self, raw, expected):
        assert parse_relative_age(raw, AS_OF, "time_spent") == expected
