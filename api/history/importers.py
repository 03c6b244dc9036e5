"""Read the post histories people actually have into one normalised shape.

Accepted inputs, detected from the header (or named by the caller):
- `x_analytics`: the X/Twitter Analytics "Tweets" CSV export (`Tweet id`, `Tweet permalink`,
  `Tweet text`, `time`, `impressions`, `engagements`, `retweets`, `replies`, `likes`, ...). Dotted or
  underscored header variants (`Tweet.id`, as R writes them) are the same columns. The id is taken from
  the permalink, because spreadsheet round trips turn `Tweet id` into a float that lost its last digits.
- `x_archive`: tweets pulled from the X API v2 (`tweet_id`, `created_at`, `text`, `like_count`,
  `reply_count`, `retweet_count`, ...). Rows flagged as another account's quoted or retweeted tweet are
  rejected.
- `linkedin_shares`: `Shares.csv` from a LinkedIn data export (`Date`, `ShareLink`, `ShareCommentary`,
  ...). It has no engagement counts, so those posts carry no metrics (unknown, not zero).
- `linkedin_analytics`: a per-post creator-analytics CSV (post text or title, date, reactions or likes,
  comments, reposts, impressions or views), e.g. the Naas `linkedin_posts_df.csv` export.
- `linkedin_scraped`: the Kaggle "LinkedIn Influencers" schema (`followers`, `time_spent`, `content`,
  `reactions`, `comments`, ...). Its dates are relative ("3 months ago", or a number of days) and are
  counted back from `as_of`.
- `json`: a list of `{platform, content, posted_at, likes, comments, shares, impressions?, followers?,
  external_id?}` objects.

A LinkedIn post's own id (an activity, share or ugcPost URN) holds the time it was created: where a row
carries one (the creator export's URN or post link, a scraped post's activity id in its hashtag links) and
it agrees with the row's approximate or day-only date, the post is dated to the millisecond by it.

The reader streams: CSV rows are decoded and parsed as they are read, and JSON items one at a time. Text
is UTF-8 (a BOM is dropped); a stray byte that is not UTF-8 is read as cp1252, the usual culprit in
spreadsheet-edited exports. Every data row comes out either as a `ParsedPost` or as a `RejectedRow` with
its line number and the reason, so one bad row never sinks the file. Problems with the file as a whole
raise an `ImportFileError` subclass.

The bulk import reads the same rows in batches of columns (`PostBatch`). For the X Analytics export, the
format of the largest histories, a batch is validated a column at a time; a row that any column check
doubts goes through the row mapper, so its post or its rejection (line, field, reason) is exactly the
row-by-row one.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from itertools import chain, repeat
from operator import attrgetter, itemgetter, methodcaller
from typing import Any, BinaryIO, cast

from dateutil.relativedelta import relativedelta

from api.platforms import registry

_SNIFF_BYTES = 64 * 1024
_MAX_FIELD_CHARS = 1_000_000
# The longest text either platform publishes (a LinkedIn article: 125,000 characters); anything longer
# is not a post, and storing it would only make every later analysis slower.
MAX_CONTENT_CHARS = 125_000
MAX_EXTERNAL_ID_CHARS = 100  # user_posts.external_id is VARCHAR(100)
# A post dated more than this after the import is a clock or format mistake, not a real post.
_FUTURE_TOLERANCE = timedelta(days=1)
_DECODE_ERRORS = "postwright-cp1252-fallback"


class ImportFormat(StrEnum):
    """The file formats the importer understands."""

    X_ANALYTICS = "x_analytics"
    X_ARCHIVE = "x_archive"
    LINKEDIN_SHARES = "linkedin_shares"
    LINKEDIN_ANALYTICS = "linkedin_analytics"
    LINKEDIN_SCRAPED = "linkedin_scraped"
    JSON = "json"


class TimePrecision(StrEnum):
    """How far `posted_at` can be trusted; analytics by hour or weekday use only what supports them."""

    EXACT = "exact"  # a timestamp to the minute
    DAY = "day"  # a calendar date without a time
    APPROXIMATE = "approximate"  # derived from a relative age ("3 months ago")


class ImportFileError(ValueError):
    """The file as a whole cannot be imported; the message tells the user why."""


class NotCsvOrJson(ImportFileError):
    """The bytes are not a CSV or JSON text file (a spreadsheet, an archive, an image...)."""


class UnknownFormat(ImportFileError):
    """A CSV or JSON file whose columns or shape match none of the supported exports."""


class MalformedFile(ImportFileError):
    """A JSON document that does not parse, or a CSV header that cannot be read."""


@dataclass(slots=True)
class ParsedPost:
    """One post, normalised: UTC time, canonical platform, metrics under common names."""

    line: int
    platform: str  # a registered platform's stored name
    content: str
    posted_at: datetime
    time_precision: TimePrecision
    external_id: str | None
    followers: int | None
    # likes, comments, shares and impressions when the source knows them, plus source-specific extras.
    metrics: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A data row that could not be imported, with its line in the file (1 = the CSV header)."""

    line: int
    reason: str


ImportRow = ParsedPost | RejectedRow


# Data rows per PostBatch: large enough for column-at-a-time work, small enough that the database is
# storing the first batches while the next ones are parsed (and that few rows are alive at once).
BATCH_ROWS = 1000


@dataclass(slots=True)
class PostBatch:
    """Consecutive data rows of an import: their posts as columns, in file order, and the rejected rows.

    The columns hold what is stored: the text (unescaped), the metrics as a JSON object, the posting time
    in ISO 8601 with its offset, and the precision's name. `rejected` is in line order.
    """

    lines: list[int] = field(default_factory=list)
    platforms: list[str] = field(default_factory=list)
    contents: list[str] = field(default_factory=list)
    metrics: list[str] = field(default_factory=list)
    posted_at: list[str] = field(default_factory=list)
    precisions: list[str] = field(default_factory=list)
    external_ids: list[str | None] = field(default_factory=list)
    followers: list[int | None] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)

    def __len__(self) -> int:
        """The number of posts (rejected rows not counted)."""
        return len(self.lines)

    def add(self, row: ImportRow) -> None:
        """Append a parsed post as a row of the columns, or a rejected row (rows come in line order)."""
        if isinstance(row, RejectedRow):
            self.rejected.append(row)
            return
        self.lines.append(row.line)
        self.platforms.append(row.platform)
        self.contents.append(row.content)
        self.metrics.append(metrics_json(row.metrics))
        self.posted_at.append(row.posted_at.isoformat())
        self.precisions.append(row.time_precision.value)
        self.external_ids.append(row.external_id)
        self.followers.append(row.followers)

    def head(self, count: int) -> PostBatch:
        """The first `count` posts, with all the rejected rows."""
        return PostBatch(
            self.lines[:count],
            self.platforms[:count],
            self.contents[:count],
            self.metrics[:count],
            self.posted_at[:count],
            self.precisions[:count],
            self.external_ids[:count],
            self.followers[:count],
            self.rejected,
        )


_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def metrics_json(metrics: Mapping[str, Any]) -> str:
    """The metrics as a JSON object; plain counts (the common case) skip the generic encoder."""
    parts = []
    for key, value in metrics.items():
        if type(value) is not int:
            return _JSON(metrics)
        parts.append(f'"{key}":{value}')  # keys are the importers' own identifiers
    return "{" + ",".join(parts) + "}"


@dataclass(slots=True)
class ImportReader:
    """An opened import: its detected format and one pass over its rows.

    Read them either one at a time (`rows`) or in batches of columns (`batches`, what the bulk import
    uses), not both: the two share the underlying reader.
    """

    format: ImportFormat
    rows: Iterator[ImportRow]
    batches: Iterator[PostBatch]


class RowError(ValueError):
    """Raised inside a row mapper; becomes a `RejectedRow` with this message."""


# ----------------------------------------------------------------------------------------------------
# Opening: encoding, sniffing, format detection


def open_import(
    stream: BinaryIO,
    declared_format: ImportFormat | None = None,
    *,
    as_of: datetime | None = None,
    default_followers: int | None = None,
) -> ImportReader:
    """Detect the format of a seekable binary `stream` and return a lazy reader over its rows.

    `as_of` is when relative dates were measured (default: now); `default_followers` fills the follower
    count of rows whose source has none (X exports never do).
    """
    now = datetime.now(UTC)
    context = _RowContext(as_of=(as_of or now).astimezone(UTC), now=now, default_followers=default_followers)
    head = stream.read(_SNIFF_BYTES)
    stream.seek(0)
    encoding = _sniff_encoding(head)
    text = io.TextIOWrapper(stream, encoding=encoding, errors=_decode_errors(), newline="")
    first = _first_significant_char(head.decode(encoding, errors=_decode_errors()))
    if first is None:
        raise UnknownFormat("the file is empty")
    looks_json = first in "[{"
    if declared_format is ImportFormat.JSON or (declared_format is None and looks_json):
        if not looks_json:
            raise MalformedFile("the file was declared as JSON but does not start with '[' or '{'")
        document = text.read()
        return ImportReader(
            ImportFormat.JSON, _json_rows(document, context), _batched(_json_rows(document, context))
        )
    return _open_csv(text, declared_format, context)


def _sniff_encoding(head: bytes) -> str:
    """utf-8-sig or utf-16 from the bytes; refuse what is plainly not text."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(b"PK\x03\x04"):
        raise NotCsvOrJson(
            "this is a ZIP archive or an Excel workbook; export the sheet as CSV, or unzip the data export "
            "and upload its Shares.csv"
        )
    if b"\x00" in head:
        raise NotCsvOrJson("this is a binary file, not a CSV or JSON text file")
    return "utf-8-sig"


def _decode_errors() -> str:
    """Register (idempotently) and name the error handler that reads stray non-UTF-8 bytes as cp1252."""
    codecs.register_error(_DECODE_ERRORS, _cp1252_fallback)
    return _DECODE_ERRORS


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    if not isinstance(error, UnicodeDecodeError):
        raise error
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("cp1252", errors="replace"), error.end


def _first_significant_char(text: str) -> str | None:
    stripped = text.lstrip()
    return stripped[0] if stripped else None


# ----------------------------------------------------------------------------------------------------
# CSV


def normalise_header(name: str) -> str:
    """`Tweet.id`, `tweet_id`, ` Tweet id ` and `TWEET ID` all name the same column."""
    return " ".join(re.sub(r"[._]+", " ", name.strip().lower()).split())


@dataclass(frozen=True, slots=True)
class _RowContext:
    as_of: datetime
    now: datetime
    default_followers: int | None


class _Layout:
    """Where named columns sit in this file, resolved once per name list rather than once per row."""

    __slots__ = ("_columns", "_resolved")

    def __init__(self, columns: Mapping[str, int]) -> None:
        self._columns = columns
        self._resolved: dict[tuple[str, ...], int | None] = {}

    def index(self, names: tuple[str, ...]) -> int | None:
        """The index of the first of `names` that the header has."""
        try:
            return self._resolved[names]
        except KeyError:
            found = next((self._columns[name] for name in names if name in self._columns), None)
            self._resolved[names] = found
            return found


def _cell(values: Sequence[str], index: int | None) -> str | None:
    """The trimmed cell at `index`; a missing, blank or `-` cell (X's "not applicable") is None."""
    if index is None or index >= len(values):
        return None
    value = values[index].strip()
    return value if value and value != "-" else None


class _Row:
    """A CSV row addressed by normalised column name; a missing, blank or `-` cell reads as None."""

    __slots__ = ("_layout", "_values")

    def __init__(self, layout: _Layout, values: Sequence[str]) -> None:
        self._layout = layout
        self._values = values

    def get(self, *names: str) -> str | None:
        """The cell of the first of `names` that the file has (synonyms, most specific first)."""
        return _cell(self._values, self._layout.index(names))


# A mapper turns one CSV row (its cells, its first line) into a post or raises RowError. A factory builds
# it once per file, so the column positions are looked up once rather than for every row.
RowMapper = Callable[[Sequence[str], int, _RowContext], ParsedPost]
MapperFactory = Callable[[_Layout], RowMapper]


def _by_name(mapper: Callable[[_Row, int, _RowContext], ParsedPost]) -> MapperFactory:
    """A factory for a mapper that reads cells by column name (the formats that are never huge)."""

    def build(layout: _Layout) -> RowMapper:
        return lambda values, line, context: mapper(_Row(layout, values), line, context)

    return build


def _open_csv(text: io.TextIOWrapper, declared: ImportFormat | None, context: _RowContext) -> ImportReader:
    csv.field_size_limit(_MAX_FIELD_CHARS)
    reader = csv.reader(text)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise MalformedFile(f"the CSV header cannot be read: {exc}") from exc
    except StopIteration:
        raise UnknownFormat("the file is empty") from None
    if len(header) < 2:
        raise NotCsvOrJson("the first line is not a CSV header (fewer than two columns)")
    columns = {normalise_header(name): index for index, name in reversed(list(enumerate(header)))}
    if declared is not None:
        if not _matches(declared, columns.keys()):
            raise UnknownFormat(
                f"the file was declared as {declared}, but its columns ({_shown(header)}) do not match"
            )
        detected: ImportFormat | None = declared
    else:
        detected = detect_csv_format(columns.keys())
    if detected is None:
        raise UnknownFormat(
            f"unrecognised CSV columns ({_shown(header)}); supported formats: "
            + ", ".join(f.value for f in ImportFormat)
        )
    return ImportReader(
        detected,
        _csv_rows(reader, columns, _MAPPERS[detected], context),
        _csv_batches(reader, text, columns, detected, context),
    )


# Columns whose presence identifies each CSV export (normalised names).
_FORMAT_REQUIREMENTS: dict[ImportFormat, frozenset[str]] = {
    ImportFormat.X_ANALYTICS: frozenset({"tweet text", "time", "impressions"}),
    ImportFormat.X_ARCHIVE: frozenset({"tweet id", "created at", "text", "like count"}),
    ImportFormat.LINKEDIN_SHARES: frozenset({"date", "sharelink", "sharecommentary"}),
    ImportFormat.LINKEDIN_SCRAPED: frozenset({"time spent", "content", "reactions", "followers"}),
}

_LI_TEXT = ("text", "post text", "post commentary", "commentary", "update text", "post title", "title")
_LI_DATE = ("date approx", "post publish date", "published date", "created date", "date", "published at")
_LI_REACTIONS = ("reactions", "likes")
_LI_IMPRESSIONS = ("impressions", "views")
_LI_URL = ("post url", "post link", "update link", "url")
_LI_ID = ("post urn", "urn", "post id", "activity id")


def detect_csv_format(columns: Iterable[str]) -> ImportFormat | None:
    """The export a set of normalised column names comes from, or None."""
    names = set(columns)
    return next((fmt for fmt in _CSV_FORMATS if _matches(fmt, names)), None)


# Checked in this order: the specific exports first, the synonym-based LinkedIn analytics last.
_CSV_FORMATS = (
    ImportFormat.X_ANALYTICS,
    ImportFormat.X_ARCHIVE,
    ImportFormat.LINKEDIN_SHARES,
    ImportFormat.LINKEDIN_SCRAPED,
    ImportFormat.LINKEDIN_ANALYTICS,
)


def _matches(fmt: ImportFormat, columns: Iterable[str]) -> bool:
    names = set(columns)
    if fmt is ImportFormat.LINKEDIN_ANALYTICS:
        return all(names & set(group) for group in (_LI_TEXT, _LI_DATE, _LI_REACTIONS, _LI_IMPRESSIONS))
    if fmt is ImportFormat.JSON:
        return False
    return _FORMAT_REQUIREMENTS[fmt] <= names


def _shown(header: Sequence[str]) -> str:
    return ", ".join(header[:12]) + (", ..." if len(header) > 12 else "")


def _csv_rows(
    reader: Any, columns: Mapping[str, int], build_mapper: MapperFactory, context: _RowContext
) -> Iterator[ImportRow]:
    """Map each data row; a row that fails becomes a RejectedRow at the line where it starts."""
    mapper = build_mapper(_Layout(columns))
    previous_end = reader.line_num
    while True:
        start = previous_end + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield RejectedRow(start, f"unreadable CSV: {exc}")
            if reader.line_num == previous_end:  # the reader made no progress: stop rather than spin
                return
            previous_end = reader.line_num
            continue
        previous_end = reader.line_num
        if not any(values):
            continue  # blank lines are not rows
        try:
            yield mapper(values, start, context)
        except RowError as exc:
            yield RejectedRow(start, str(exc))


def _csv_batches(
    reader: Any, text: Iterator[str], columns: Mapping[str, int], fmt: ImportFormat, context: _RowContext
) -> Iterator[PostBatch]:
    """The data rows in batches: column at a time where the format has a batch mapper, else row by row.

    `reader` has read the header from `text`; the batch mapper's rows are read from `text` on.
    """
    build = _BATCH_MAPPERS.get(fmt)
    if build is None:
        yield from _batched(_csv_rows(reader, columns, _MAPPERS[fmt], context))
        return
    map_batch = build(_Layout(columns))
    for starts, records, unreadable in _csv_chunks(text, reader.line_num):
        batch = map_batch(starts, records, context) if records else PostBatch()
        if unreadable:
            batch.rejected = sorted([*batch.rejected, *unreadable], key=attrgetter("line"))
        yield batch


Chunk = tuple[list[int], list[list[str]], list[RejectedRow]]


def _csv_chunks(text: Iterator[str], lines_read: int) -> Iterator[Chunk]:
    """Up to BATCH_ROWS data rows at a time: the line each starts on, their cells, and the unreadable rows.

    The rows, their lines and the rejections are those of `_csv_rows` (csv.reader's): a row starts on the
    line after the previous one ended, blank rows are skipped. A line that is plainly one row, with no
    quote at all or with every field quoted and no other quote, is split directly (what csv.reader would
    make of it, for less); any other line starts a csv.reader that reads on to the end of its row.
    """
    limit = csv.field_size_limit()
    previous_end = lines_read
    starts: list[int] = []
    records: list[list[str]] = []
    unreadable: list[RejectedRow] = []
    for line in text:
        start = previous_end + 1
        body = line.rstrip("\r\n")  # the line's end: text lines end at \n, \r\n or \r
        if '"' not in body and len(body) <= limit:
            values = body.split(",") if body else []
            previous_end = start
        elif (
            len(body) > 1
            and body[0] == '"' == body[-1]
            # every quote inside is one of a `","` between two fields: no quote in a field
            and (inner := body[1:-1]).count('"') == 2 * inner.count('","')
            and len(body) <= limit
        ):
            values = inner.split('","')
            previous_end = start
        else:
            reader = csv.reader(chain((line,), text))
            try:
                values = next(reader)
            except csv.Error as exc:
                unreadable.append(RejectedRow(start, f"unreadable CSV: {exc}"))
                continue
            finally:
                previous_end += reader.line_num
        if any(values):
            starts.append(start)
            records.append(values)
            if len(records) >= BATCH_ROWS:
                yield starts, records, unreadable
                starts, records, unreadable = [], [], []
    if records or unreadable:
        yield starts, records, unreadable


def _batched(rows: Iterator[ImportRow]) -> Iterator[PostBatch]:
    """Rows, one at a time, gathered into batches of BATCH_ROWS rows."""
    batch = PostBatch()
    for row in rows:
        batch.add(row)
        if len(batch) + len(batch.rejected) >= BATCH_ROWS:
            yield batch
            batch = PostBatch()
    if len(batch) or batch.rejected:
        yield batch


# ----------------------------------------------------------------------------------------------------
# Field parsers shared by the formats


# No post has a trillion likes; larger numbers are errors that would overflow the analytics' arithmetic.
MAX_COUNT = 10**12
# Follower counts are stored as 32-bit integers.
MAX_FOLLOWERS = 2_147_483_647
# The oldest post an import accepts (the platforms are younger; date arithmetic stays in range).
EARLIEST_POST = datetime(1990, 1, 1, tzinfo=UTC)


def parse_count(raw: str | None, column: str) -> int | None:
    """A non-negative count; exports write them as `312`, `312.0` or `1,234`. Blank or `-` is unknown."""
    if raw is None:
        return None
    try:  # the common shapes first: this runs a dozen times per row of a large import
        value = float(raw)
    except ValueError:
        value = _parse_grouped_number(raw, column)
    if not value.is_integer():  # also refuses nan and infinity
        raise RowError(f"{column}: {raw!r} is not a whole number")
    if value < 0:
        raise RowError(f"{column}: {raw!r} is negative")
    return _bounded(int(value), column)


def _bounded(value: int, column: str) -> int:
    limit = MAX_FOLLOWERS if column == "followers" else MAX_COUNT
    if value > limit:
        raise RowError(f"{column}: {value:.3g} is larger than any real count (at most {limit:,})")
    return value


def _count_at(values: Sequence[str], index: int | None, column: str) -> int | None:
    """`parse_count` of the cell at `index`, with a fast path for the usual `312.0` and `7`."""
    if index is None or index >= len(values):
        return None
    raw = values[index]
    try:
        number = float(raw)
    except ValueError:  # blank, "-", "1,234" or garbage: the careful path decides
        return parse_count(_cell(values, index), column)
    if number >= 0 and number.is_integer():
        return _bounded(int(number), column)
    return parse_count(raw.strip(), column)  # raises the precise error


def _parse_grouped_number(raw: str, column: str) -> float:
    """`1,234` or `1 234` as spreadsheets write thousands."""
    try:
        return float(raw.replace(",", "").replace("\u00a0", "").replace(" ", ""))
    except ValueError:
        raise RowError(f"{column}: {raw!r} is not a number") from None


_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(.*)$")


def parse_timestamp(raw: str | None, column: str) -> tuple[datetime, TimePrecision]:
    """An ISO 8601 timestamp or date, or LinkedIn's `MM/DD/YYYY`, in UTC.

    Times without an offset are taken as UTC, which is what X and LinkedIn exports write.
    """
    if raw is None:
        raise RowError(f"{column}: missing date")
    cleaned = raw.strip()
    if cleaned.endswith((" UTC", " GMT")):  # some exports spell the zone out
        cleaned = cleaned[:-4] + "+00:00"
    us_date = _US_DATE.match(cleaned)
    if us_date:  # LinkedIn's analytics exports write month/day/year
        month, day, year, rest = us_date.groups()
        cleaned = f"{year}-{int(month):02d}-{int(day):02d}{rest}"
    try:
        value = datetime.fromisoformat(cleaned)
    except ValueError:
        raise RowError(f"{column}: {raw!r} is not a date") from None
    precision = TimePrecision.DAY if len(cleaned) <= 10 else TimePrecision.EXACT
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return _not_too_old(value, raw, column), precision


def _not_too_old(value: datetime, raw: str, column: str) -> datetime:
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        raise RowError(f"{column}: {raw!r} is out of range") from None
    if moment < EARLIEST_POST:
        raise RowError(f"{column}: {raw!r} is before {EARLIEST_POST.year}; no post is that old")
    return moment


_RELATIVE = re.compile(
    r"^(?:(?P<n>\d+|an?|one)\s*)?(?P<unit>minute|min|hour|hr|day|week|month|year|yr|mo|[hdwmy])s?\s*(?:ago)?$"
)
_UNITS = {
    "minute": relativedelta(minutes=1),
    "min": relativedelta(minutes=1),
    "hour": relativedelta(hours=1),
    "hr": relativedelta(hours=1),
    "h": relativedelta(hours=1),
    "day": relativedelta(days=1),
    "d": relativedelta(days=1),
    "week": relativedelta(weeks=1),
    "w": relativedelta(weeks=1),
    "month": relativedelta(months=1),
    "mo": relativedelta(months=1),
    "m": relativedelta(months=1),
    "year": relativedelta(years=1),
    "yr": relativedelta(years=1),
    "y": relativedelta(years=1),
}


def parse_relative_age(raw: str | None, as_of: datetime, column: str) -> datetime:
    """`3 months ago`, `2w`, `20 hours ago`, or a bare number of days, counted back from `as_of`."""
    if raw is None:
        raise RowError(f"{column}: missing age")
    cleaned = raw.strip().lower()
    try:
        days = float(cleaned)
    except ValueError:
        days = None
    try:
        if days is not None:
            if not math.isfinite(days) or days < 0:
                raise RowError(f"{column}: {raw!r} is not a number of days back")
            moment: datetime = as_of - timedelta(days=days)
        else:
            match = _RELATIVE.match(cleaned)
            if match is None:
                raise RowError(f"{column}: {raw!r} is not a relative age such as '3 months ago'")
            amount = match["n"]
            count = 1 if amount in (None, "a", "an", "one") else int(amount)
            moment = as_of - _UNITS[match["unit"]] * count
    except (OverflowError, ValueError):  # further back than dates go
        raise RowError(f"{column}: {raw!r} is further back than any post") from None
    return _not_too_old(moment, raw, column)


def _external_id_from_url(url: str | None) -> str | None:
    """The numeric status/activity id in an X permalink or a LinkedIn post URL."""
    if not url:
        return None
    last = url.rstrip("/").rsplit("/", 1)[-1]
    if last.isdigit():  # X permalinks end with the status id
        return last
    ids = _LONG_NUMBER.findall(url)  # LinkedIn: urn%3Ali%3Ashare%3A<id>, or ...-activity-<id>-AbCd
    return ids[-1] if ids else None


_LONG_NUMBER = re.compile(r"\d{10,}")
# LinkedIn's activity, share and ugcPost ids are 19-digit numbers whose top 41 bits are the post's creation
# time in milliseconds since the Unix epoch (X's status ids have the same layout from an epoch of X's own).
_LINKEDIN_ID = re.compile(r"^\d{19}$")
_LINKEDIN_FOUNDED = datetime(2003, 5, 5, tzinfo=UTC)
# A scraped post's own activity id, in the links LinkedIn writes beside its hashtags.
_HIGHLIGHTED_ACTIVITY = re.compile(r"highlightedUpdateUrns=urn(?:%3A|:)li(?:%3A|:)activity(?:%3A|:)(\d{19})")


def linkedin_id_time(external_id: str | None) -> datetime | None:
    """When a LinkedIn post was created, read from its id (None for anything that is not such an id)."""
    if not external_id or not _LINKEDIN_ID.match(external_id):
        return None
    moment = datetime.fromtimestamp((int(external_id) >> 22) / 1000, tz=UTC)
    return moment if moment >= _LINKEDIN_FOUNDED else None


# How far before and after its stated date a post given by an age ("3mo", "1yr" in a creator export) may
# lie: the export counts a month as four weeks, so "6mo" can be a week later than the date it writes. A date
# without a time: the day, in any time zone.
_APPROXIMATE_SPAN = (timedelta(days=400), timedelta(days=31))
_DAY_SPAN = (timedelta(days=1), timedelta(days=2))


def _time_from_linkedin_id(
    external_id: str | None, earliest: datetime, latest: datetime, context: _RowContext
) -> datetime | None:
    """The exact time a LinkedIn id gives, where it falls inside the span the row's own date allows; None
    where it does not (or the id is not a LinkedIn id), and the stated date is kept."""
    digits = _LONG_NUMBER.findall(external_id or "")
    moment = linkedin_id_time(digits[-1] if digits else None)
    if moment is None or moment > context.now:
        return None
    return moment if earliest <= moment <= latest else None


def _age_span(posted_at: datetime, as_of: datetime) -> tuple[datetime, datetime]:
    """Where a post "N units ago" can lie: the page rounds ages ("1 year ago" is seen from 11 months to
    nearly 2 years), so from twice the age back (and a week) to half of it."""
    age = as_of - posted_at
    return as_of - 2 * age - timedelta(days=7), as_of - age / 2 + timedelta(days=1)


def _checked_content(raw: str | None, what: str = "post text") -> str:
    if raw is None or not raw.strip():
        raise RowError(f"missing {what}")
    if "\x00" in raw:
        raise RowError(f"{what} contains a NUL character")
    value = raw.strip()
    if len(value) > MAX_CONTENT_CHARS:
        raise RowError(
            f"{what} is {len(value):,} characters; the longest post accepted is {MAX_CONTENT_CHARS:,}"
        )
    return value


def _checked_external_id(raw: str | None) -> str | None:
    if raw is None:
        return None
    value = str(raw).strip()
    if len(value) > MAX_EXTERNAL_ID_CHARS:
        raise RowError(f"external id longer than {MAX_EXTERNAL_ID_CHARS} characters")
    return _without_nul(value, "external id") or None


def _without_nul(value: str, what: str) -> str:
    """Text for the database, which stores no NUL character (in text or in JSON)."""
    if "\x00" in value:
        raise RowError(f"{what} contains a NUL character")
    return value


def _not_in_future(posted_at: datetime, context: _RowContext) -> datetime:
    if posted_at > context.now + _FUTURE_TOLERANCE:
        raise RowError(f"posted_at {posted_at.isoformat()} is in the future")
    return posted_at


def _or_default(followers: int | None, context: _RowContext) -> int | None:
    return context.default_followers if followers is None else followers


def _counts(**known: int | None) -> dict[str, Any]:
    """Metrics without the unknown ones: a missing count is unknown, never zero."""
    return {name: value for name, value in known.items() if value is not None}


# ----------------------------------------------------------------------------------------------------
# One mapper per CSV format

# X writes tweet text HTML-escaped (`&amp;`, `&gt;`); the X mappers unescape it.
# The export's other counters worth keeping: X's own engagement total and the click-throughs.
_X_COUNTS = (
    ("likes", "likes"),
    ("replies", "comments"),
    ("retweets", "shares"),
    ("impressions", "impressions"),
)
_X_EXTRAS = (
    ("engagements", "engagements"),
    ("url clicks", "url_clicks"),
    ("user profile clicks", "profile_clicks"),
    ("media views", "media_views"),
)


def _x_analytics(layout: _Layout) -> RowMapper:
    """The X Analytics export, the format of the largest histories: cell positions resolved once."""
    text_at, time_at = layout.index(("tweet text",)), layout.index(("time",))
    permalink_at, id_at = layout.index(("tweet permalink",)), layout.index(("tweet id",))
    counts_at = [(layout.index((column,)), column, key) for column, key in (*_X_COUNTS, *_X_EXTRAS)]

    def map_row(values: Sequence[str], line: int, context: _RowContext) -> ParsedPost:
        posted_at, precision = parse_timestamp(_cell(values, time_at), "time")
        metrics: dict[str, Any] = {}
        for index, column, key in counts_at:
            value = _count_at(values, index, column)
            if value is not None:
                metrics[key] = value
        content = _checked_content(_cell(values, text_at))
        external_id = _external_id_from_url(_cell(values, permalink_at)) or _cell(values, id_at)
        return ParsedPost(
            line=line,
            platform="twitter",
            content=html.unescape(content) if "&" in content else content,
            posted_at=_not_in_future(posted_at, context),
            time_precision=precision,
            external_id=_checked_external_id(external_id),
            followers=context.default_followers,
            metrics=metrics,
        )

    return map_row


BatchMapper = Callable[[list[int], list[list[str]], _RowContext], PostBatch]
_TO_UTC = methodcaller("astimezone", UTC)
_TZINFO = attrgetter("tzinfo")


def _x_analytics_batch(layout: _Layout) -> BatchMapper:
    """The X Analytics export a batch at a time: each column is checked and converted in one pass of C
    loops (float, fromisoformat, str.strip...). A row that any check doubts is left to `_x_analytics`'s
    row mapper, which decides it exactly as a row-by-row read would (its post, or its first problem)."""
    map_row = _x_analytics(layout)
    text_at, time_at = layout.index(("tweet text",)), layout.index(("time",))
    permalink_at, id_at = layout.index(("tweet permalink",)), layout.index(("tweet id",))
    counts_at = [
        (index, column, key)
        for column, key in (*_X_COUNTS, *_X_EXTRAS)
        if (index := layout.index((column,))) is not None
    ]
    assert text_at is not None and time_at is not None  # the format requires both columns
    used = sorted({text_at, time_at, *(index for index, _, _ in counts_at)} | _known(permalink_at, id_at))
    cells_of = itemgetter(*used)
    width = used[-1] + 1
    keys = [key for _, _, key in counts_at]

    def map_batch(starts: list[int], records: list[list[str]], context: _RowContext) -> PostBatch:
        doubtful: set[int] = set()  # rows for the row mapper
        if min(map(len, records)) < width:  # short rows: their missing cells read as blank
            doubtful.update(i for i, values in enumerate(records) if len(values) < width)
            records = [values + [""] * (width - len(values)) for values in records]
        table = dict(zip(used, zip(*map(cells_of, records), strict=True), strict=True))
        posted_at, precisions = _x_times(table[time_at], context, doubtful)
        counts = [_x_counts(table[index], column, doubtful) for index, column, _ in counts_at]
        metrics = _x_metrics(keys, counts, len(records))
        contents = _x_contents(table[text_at], doubtful)
        external_ids = _x_external_ids(
            table.get(permalink_at) if permalink_at is not None else None,
            table.get(id_at) if id_at is not None else None,
            len(records),
            doubtful,
        )
        size = len(records)
        batch = PostBatch(
            starts,
            ["twitter"] * size,
            contents,
            metrics,
            posted_at,
            precisions,
            external_ids,
            [context.default_followers] * size,
        )
        if not doubtful:
            return batch
        checked = PostBatch()
        columns = list(zip(_columns(batch), _columns(checked), strict=True))
        for i, start in enumerate(starts):
            if i in doubtful:
                try:
                    checked.add(map_row(records[i], start, context))
                except RowError as exc:
                    checked.add(RejectedRow(start, str(exc)))
                continue
            checked.lines.append(start)
            for source, target in columns:
                target.append(source[i])
        return checked

    return map_batch


def _x_metrics(keys: list[str], counts: list[list[str | None]], size: int) -> list[str]:
    """Each row's metrics as a JSON object, from count columns (a None count is unknown: left out)."""
    if not counts:
        return ["{}"] * size
    if all(None not in column for column in counts):
        # Interleaved with the keys and joined in one pass, then cut at the NULs (no count holds one).
        pieces: list[Iterable[str]] = []
        for key, column in zip(keys, counts, strict=True):
            pieces += [repeat(f',"{key}":'), cast(list[str], column)]
        pieces[0] = repeat('\x00{"' + keys[0] + '":')
        joined = "".join(chain.from_iterable(zip(*pieces, repeat("}"), strict=False)))
        return joined[1:].split("\x00")
    names = [f'"{key}":' for key in keys]
    return [
        "{" + ",".join(name + n for name, n in zip(names, row, strict=True) if n is not None) + "}"
        for row in zip(*counts, strict=True)
    ]


def _known(*indexes: int | None) -> set[int]:
    return {index for index in indexes if index is not None}


def _columns(batch: PostBatch) -> tuple[list[Any], ...]:
    """The batch's post columns after `lines`, in PostBatch order."""
    return (
        batch.platforms,
        batch.contents,
        batch.metrics,
        batch.posted_at,
        batch.precisions,
        batch.external_ids,
        batch.followers,
    )


# A timestamp PostgreSQL reads as the very instant fromisoformat does: ISO 8601 date and time with an
# explicit offset (within the ±15:59 PostgreSQL accepts), to the microsecond. Such cells are stored as
# written, after the same checks as any other.
_ISO_WITH_OFFSET = (
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?"
    r" ?(?:Z|[+-](?:0[0-9]|1[0-5])(?::?[0-5][0-9])?)"
)
_ISO_COLUMN = re.compile(f"(?:{_ISO_WITH_OFFSET}\n)*{_ISO_WITH_OFFSET}")


def _x_times(cells: Sequence[str], context: _RowContext, doubtful: set[int]) -> tuple[list[str], list[str]]:
    """The `time` column as ISO 8601 with an offset, and precisions; rows whose time is not a date in range
    are doubtful."""
    stripped = list(map(str.strip, cells))
    try:
        # What `parse_timestamp` reads with fromisoformat directly: no " UTC" suffix or US date (neither
        # parses as ISO), an offset, a time (longer than a date).
        parsed = list(map(datetime.fromisoformat, stripped))
        latest = context.now + _FUTURE_TOLERANCE
        if _ISO_COLUMN.fullmatch("\n".join(stripped)):
            if min(parsed) >= EARLIEST_POST and max(parsed) <= latest:
                return stripped, [TimePrecision.EXACT.value] * len(stripped)
            raise ValueError("a time out of range")
        if None in set(map(_TZINFO, parsed)) or min(map(len, stripped)) <= 10:
            raise ValueError("not every time is a timestamp with an offset")
        moments = list(map(_TO_UTC, parsed))
        if min(moments) < EARLIEST_POST or max(moments) > latest:
            raise ValueError("a time out of range")
        return list(map(datetime.isoformat, moments)), [TimePrecision.EXACT.value] * len(moments)
    except (ValueError, OverflowError):
        pass
    texts, precisions = [], []
    for i, cell in enumerate(stripped):
        try:
            moment, precision = parse_timestamp(cell if cell and cell != "-" else None, "time")
            texts.append(_not_in_future(moment, context).isoformat())
            precisions.append(precision.value)
        except RowError:
            doubtful.add(i)
            texts.append("")
            precisions.append("")
    return texts, precisions


_LEADING_ZERO = re.compile(",0[0-9]")
_OVER_12_DIGITS = re.compile("[0-9]{13}")


def _x_counts(cells: Sequence[str], column: str, doubtful: set[int]) -> list[str | None]:
    """A count column as decimal integers (None: unknown); rows with a count that is not one are doubtful.

    The common cells, `312` and `312.0` of up to 12 digits, are checked and trimmed on the joined column;
    they are the counts `_count_at` reads (float, whole, not negative, at most MAX_COUNT) written as ints.
    """
    framed = ("," + ",".join(cells) + ",").replace(".0,", ",")
    digits = framed.replace(",", "")
    counts = framed[1:-1].split(",")
    if (
        len(counts) == len(cells)  # no cell held a comma
        and ",," not in framed
        and digits.isascii()
        and digits.isdigit()
        and not _LEADING_ZERO.search(framed)
        and not _OVER_12_DIGITS.search(framed)
    ):
        return list(counts)
    texts: list[str | None] = []
    for i, cell in enumerate(cells):
        try:
            count = _count_at((cell,), 0, column)
        except RowError:
            doubtful.add(i)
            count = None
        texts.append(None if count is None else str(count))
    return texts


def _x_contents(cells: Sequence[str], doubtful: set[int]) -> list[str]:
    """The tweet texts, unescaped; rows without a text, with a NUL or too long a text are doubtful."""
    texts = list(map(str.strip, cells))
    lengths = list(map(len, texts))
    if min(lengths) <= 1 or max(lengths) > MAX_CONTENT_CHARS or "\x00" in "".join(texts):
        doubtful.update(
            i
            for i, text in enumerate(texts)
            if text in ("", "-") or len(text) > MAX_CONTENT_CHARS or "\x00" in text
        )
    return [html.unescape(text) if "&" in text else text for text in texts]


def _x_external_ids(
    links: Sequence[str] | None, ids: Sequence[str] | None, size: int, doubtful: set[int]
) -> list[str | None]:
    """The status ids: the permalinks' last segment; rows where that is not a plain id are worked out
    as the row mapper does (the id cell, the longest number...), and doubtful if that fails."""
    if links is not None:
        lasts = [link.strip().rstrip("/").rpartition("/")[2] for link in links]
        if all(map(str.isdigit, lasts)) and max(map(len, lasts)) <= MAX_EXTERNAL_ID_CHARS:
            return cast(list[str | None], lasts)
    found: list[str | None] = []
    for i in range(size):
        link = _cell(links, i) if links is not None else None
        try:
            found.append(_checked_external_id(_external_id_from_url(link) or _cell(ids or (), i)))
        except RowError:
            doubtful.add(i)
            found.append(None)
    return found


_TRUE = {"true", "1", "yes", "t"}


def _map_x_archive(row: _Row, line: int, context: _RowContext) -> ParsedPost:
    if (row.get("is retweeted tweet") or "").lower() in _TRUE:
        raise RowError("a retweet of another account's tweet, not your own post")
    if (row.get("is quoted tweet") or "").lower() in _TRUE:
        raise RowError("another account's tweet that you quoted, not your own post")
    posted_at, precision = parse_timestamp(row.get("created at"), "created_at")
    metrics = _counts(
        likes=parse_count(row.get("like count"), "like_count"),
        comments=parse_count(row.get("reply count"), "reply_count"),
        shares=parse_count(row.get("retweet count"), "retweet_count"),
        impressions=parse_count(row.get("impression count"), "impression_count"),
    )
    quotes = parse_count(row.get("quote count"), "quote_count")
    if quotes is not None:
        metrics["quotes"] = quotes
    return ParsedPost(
        line=line,
        platform="twitter",
        content=html.unescape(_checked_content(row.get("text"))),
        posted_at=_not_in_future(posted_at, context),
        time_precision=precision,
        external_id=_checked_external_id(row.get("tweet id")),
        followers=_or_default(parse_count(row.get("followers count"), "followers_count"), context),
        metrics=metrics,
    )


def _map_linkedin_shares(row: _Row, line: int, context: _RowContext) -> ParsedPost:
    posted_at, precision = parse_timestamp(row.get("date"), "Date")
    content = row.get("sharecommentary")
    if content is None:
        raise RowError("no commentary: a plain reshare has no text of yours to learn from")
    extras: dict[str, Any] = {}
    if shared_url := row.get("sharedurl"):
        extras["shared_url"] = _without_nul(shared_url, "SharedUrl")
    if row.get("mediaurl"):
        extras["has_media"] = True
    if visibility := row.get("visibility"):
        extras["visibility"] = _without_nul(visibility, "Visibility")
    return ParsedPost(
        line=line,
        platform="linkedin",
        content=_checked_content(content),
        posted_at=_not_in_future(posted_at, context),
        time_precision=precision,
        external_id=_checked_external_id(_external_id_from_url(row.get("sharelink"))),
        followers=context.default_followers,
        metrics=extras,
    )


_LI_REACTION_TYPES = ("like", "praise", "appreciation", "empathy", "maybe", "interest", "entertainment")


def _map_linkedin_analytics(row: _Row, line: int, context: _RowContext) -> ParsedPost:
    date_column = next((name for name in _LI_DATE if row.get(name)), None)
    posted_at, precision = parse_timestamp(row.get(date_column) if date_column else None, "date")
    if date_column == "date approx":  # derived from "2w" / "3mo" ages, not a real date
        precision = TimePrecision.APPROXIMATE
    metrics = _counts(
        likes=parse_count(row.get(*_LI_REACTIONS), "reactions"),
        comments=parse_count(row.get("comments", "direct comments"), "comments"),
        shares=parse_count(row.get("reposts", "shares", "reshares"), "reposts"),
        impressions=parse_count(row.get(*_LI_IMPRESSIONS), "impressions"),
    )
    by_type = {
        kind: count
        for kind in _LI_REACTION_TYPES
        if (count := parse_count(row.get(f"likes {kind}", f"reactions {kind}"), f"likes {kind}"))
    }
    if by_type:
        metrics["reactions_by_type"] = by_type
    clicks = parse_count(row.get("clicks"), "clicks")
    if clicks is not None:
        metrics["clicks"] = clicks
    external_id = row.get(*_LI_ID) or _external_id_from_url(row.get(*_LI_URL))
    if precision is not TimePrecision.EXACT:
        # A date known to the day, or only as an age ("2w", "3mo", counted to the week or the month): the
        # post's own id, where it says a time inside that span, gives the minute.
        before, after = _APPROXIMATE_SPAN if precision is TimePrecision.APPROXIMATE else _DAY_SPAN
        exact = _time_from_linkedin_id(external_id, posted_at - before, posted_at + after, context)
        if exact is not None:
            posted_at, precision = exact, TimePrecision.EXACT
    return ParsedPost(
        line=line,
        platform="linkedin",
        content=_checked_content(row.get(*_LI_TEXT)),
        posted_at=_not_in_future(posted_at, context),
        time_precision=precision,
        external_id=_checked_external_id(external_id),
        followers=_or_default(parse_count(row.get("followers"), "followers"), context),
        metrics=metrics,
    )


def _map_linkedin_scraped(row: _Row, line: int, context: _RowContext) -> ParsedPost:
    posted_at = parse_relative_age(row.get("time spent"), context.as_of, "time_spent")
    precision, external_id = TimePrecision.APPROXIMATE, None
    own = _HIGHLIGHTED_ACTIVITY.search(row.get("content links") or "")
    if own is not None:  # the post's own id: the minute it was posted, where it agrees with the stated age
        exact = _time_from_linkedin_id(own[1], *_age_span(posted_at, context.as_of), context)
        if exact is not None:
            posted_at, precision, external_id = exact, TimePrecision.EXACT, own[1]
    metrics = _counts(
        likes=parse_count(row.get("reactions"), "reactions"),
        comments=parse_count(row.get("comments"), "comments"),
        shares=parse_count(row.get("reposts", "shares"), "reposts"),
        impressions=parse_count(row.get("views", "impressions"), "views"),
    )
    if media_type := row.get("media type"):
        metrics["media_type"] = _without_nul(media_type, "media_type")
    return ParsedPost(
        line=line,
        platform="linkedin",
        content=_checked_content(row.get("content")),
        posted_at=_not_in_future(posted_at, context),
        time_precision=precision,
        external_id=external_id,
        followers=_or_default(parse_count(row.get("followers"), "followers"), context),
        metrics=metrics,
    )


_MAPPERS: dict[ImportFormat, MapperFactory] = {
    ImportFormat.X_ANALYTICS: _x_analytics,
    ImportFormat.X_ARCHIVE: _by_name(_map_x_archive),
    ImportFormat.LINKEDIN_SHARES: _by_name(_map_linkedin_shares),
    ImportFormat.LINKEDIN_ANALYTICS: _by_name(_map_linkedin_analytics),
    ImportFormat.LINKEDIN_SCRAPED: _by_name(_map_linkedin_scraped),
}
# Formats read a batch at a time; the others go row by row.
_BATCH_MAPPERS: dict[ImportFormat, Callable[[_Layout], BatchMapper]] = {
    ImportFormat.X_ANALYTICS: _x_analytics_batch,
}


# ----------------------------------------------------------------------------------------------------
# JSON


def _json_rows(document: str, context: _RowContext) -> Iterator[ImportRow]:
    """Decode a top-level list item by item, so each rejection can name the item's line."""
    decoder = json.JSONDecoder()
    position = _skip_space(document, 0)
    if document[position] != "[":
        raise UnknownFormat('a JSON import must be a list of posts: [{"platform": ..., "content": ...}, ...]')
    position = _skip_space(document, position + 1)
    line, counted_to = 1, 0
    if position < len(document) and document[position] == "]":
        return
    while True:
        line += document.count("\n", counted_to, position)
        counted_to = position
        try:
            item, position = decoder.raw_decode(document, position)
        except json.JSONDecodeError as exc:
            raise MalformedFile(f"invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
        except RecursionError as exc:
            raise MalformedFile(f"invalid JSON near line {line}: nested too deeply") from exc
        except ValueError as exc:  # e.g. an integer of more digits than Python converts
            raise MalformedFile(f"invalid JSON near line {line}: {exc}") from exc
        yield _json_item(item, line, context)
        position = _skip_space(document, position)
        if position >= len(document):
            raise MalformedFile("invalid JSON: the list is not closed with ']'")
        if document[position] == "]":
            if document[_skip_space(document, position + 1) :].strip():
                raise MalformedFile("invalid JSON: text after the closing ']'")
            return
        if document[position] != ",":
            raise MalformedFile(f"invalid JSON at line {line}: expected ',' or ']' between posts")
        position = _skip_space(document, position + 1)


def _skip_space(document: str, position: int) -> int:
    while position < len(document) and document[position] in " \t\r\n":
        position += 1
    return position


def _json_item(item: object, line: int, context: _RowContext) -> ImportRow:
    if not isinstance(item, dict):
        return RejectedRow(line, "each item must be an object with platform, content and posted_at")
    try:
        return _map_json_post(item, line, context)
    except RowError as exc:
        return RejectedRow(line, str(exc))


def _json_count(item: Mapping[str, Any], key: str) -> int | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise RowError(f"{key}: {str(value)[:50]!r} is not a number")
    if isinstance(value, int):
        if value < 0:
            raise RowError(f"{key}: {value} is negative")
        return _bounded(value, key)
    return parse_count(str(value), key)


def _map_json_post(item: Mapping[str, Any], line: int, context: _RowContext) -> ParsedPost:
    raw_platform = item.get("platform")
    if not isinstance(raw_platform, str):
        raise RowError(f"platform: missing ({' or '.join(registry.names())})")
    try:
        platform = registry.normalise(raw_platform)
    except ValueError as exc:
        raise RowError(f"platform: {exc}") from None
    content = item.get("content")
    if not isinstance(content, str):
        raise RowError("content: missing or not a string")
    posted_raw = item.get("posted_at")
    if not isinstance(posted_raw, str):
        raise RowError("posted_at: missing or not an ISO 8601 string")
    posted_at, precision = parse_timestamp(posted_raw, "posted_at")
    external = item.get("external_id")
    if external is not None and not isinstance(external, str | int):
        raise RowError("external_id: must be a string")
    return ParsedPost(
        line=line,
        platform=platform,
        content=_checked_content(content, "content"),
        posted_at=_not_in_future(posted_at, context),
        time_precision=precision,
        external_id=_checked_external_id(None if external is None else str(external)),
        followers=_or_default(_json_count(item, "followers"), context),
        metrics=_counts(
            likes=_json_count(item, "likes"),
            comments=_json_count(item, "comments"),
            shares=_json_count(item, "shares"),
            impressions=_json_count(item, "impressions"),
        ),
    )
