"""Field types whose OpenAPI schema says exactly what their validation accepts.

pydantic's lax mode takes `0.5` for a datetime and `0` for a time, and a zone name is any string to JSON
Schema: clients reading the document would send values the API then refuses, or the API would accept
values the document forbids. These types close both gaps.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import Annotated, Any
from zoneinfo import available_timezones

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, EmailStr, Field, WithJsonSchema

# Years a post, a schedule or a report can be about; beyond them date arithmetic leaves Python's range.
_YEAR = r"(19|2[0-9])[0-9]{2}"
_DATE = _YEAR + r"-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
DATE_PATTERN = f"^{_DATE}$"
_CLOCK = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?"
_OFFSET = r"(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
DATETIME_PATTERN = f"^{_DATE}T{_CLOCK}{_OFFSET}$"
LOCAL_TIME_PATTERN = r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"


def _iso(pattern: str, example: str) -> Any:
    compiled = re.compile(pattern)

    def check(value: Any) -> Any:
        if isinstance(value, (date, datetime)):
            return value
        if not isinstance(value, str) or not compiled.match(value):
            raise ValueError(f"send an ISO 8601 string between the years 1900 and 2999, e.g. {example}")
        return value

    return check


def _utc_representable(value: datetime) -> datetime:
    try:
        value.astimezone(UTC)
    except OverflowError as exc:
        raise ValueError("the moment is out of range") from exc
    return value


IsoDateTime = Annotated[
    AwareDatetime,
    BeforeValidator(_iso(DATETIME_PATTERN, "2026-12-01T09:30:00+01:00")),
    AfterValidator(_utc_representable),
    WithJsonSchema({"type": "string", "format": "date-time", "pattern": DATETIME_PATTERN}),
]
IsoDate = Annotated[
    date,
    BeforeValidator(_iso(DATE_PATTERN, "2026-12-01")),
    WithJsonSchema({"type": "string", "format": "date", "pattern": DATE_PATTERN}),
]


def _json_integer(value: Any) -> Any:
    """A JSON integer: 3 or 3.0 (JSON Schema counts both), never "3" or true."""
    if isinstance(value, (bool, str)):
        raise ValueError("send a JSON integer")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


JsonInt = Annotated[int, BeforeValidator(_json_integer)]
# A row's optimistic-locking version, as a client sends it back.
Version = Annotated[int, Field(ge=1, le=2_147_483_647), BeforeValidator(_json_integer)]
Weekday = Annotated[int, Field(ge=0, le=6), BeforeValidator(_json_integer)]


def _local_time(value: Any) -> Any:
    if isinstance(value, time):
        if value.tzinfo is not None:
            raise ValueError("a local wall-clock time has no offset: send HH:MM, e.g. 09:30")
        return value
    if not isinstance(value, str) or not re.match(LOCAL_TIME_PATTERN, value):
        raise ValueError("send a local wall-clock time as HH:MM (or HH:MM:SS) without an offset, e.g. 09:30")
    return time.fromisoformat(value)


LocalTime = Annotated[
    time,
    BeforeValidator(_local_time),
    WithJsonSchema({"type": "string", "pattern": LOCAL_TIME_PATTERN, "examples": ["09:30"]}),
]

# In the tz database but not places: the host's own zone file and a placeholder zone.
_NOT_PLACES = frozenset({"localtime", "Factory"})


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA zone name a user may choose."""
    return frozenset(available_timezones()) - _NOT_PLACES


def _zone_name(value: str) -> str:
    if value not in known_zones():
        raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Europe/Berlin'")
    return value


TimeZoneName = Annotated[
    str,
    AfterValidator(_zone_name),
    WithJsonSchema({"type": "string", "enum": sorted(known_zones()), "description": "an IANA time zone"}),
]

# Text a person types on one line (a name, a company, a goal): any Unicode, but no control character (C0,
# DEL, C1: they corrupt logs, e-mails and exports, and PostgreSQL text cannot hold NUL) and no line or
# paragraph separator. The classes are spelled out rather than written `\s`/`\S`, whose meaning differs
# between Python, ECMAScript and Rust regexes, so the document and the check read the same rule.
_CONTROLS = r"\x00-\x1f\x7f-\x9f\u2028\u2029"
# Unicode white space that is not a control character: a value of only these is blank.
_SPACES = r" \xa0\u1680\u2000-\u200a\u202f\u205f\u3000"
ONE_LINE_PATTERN = rf"^[^{_CONTROLS}]*[^{_CONTROLS}{_SPACES}][^{_CONTROLS}]*$"
ONE_LINE_OR_EMPTY_PATTERN = rf"^[^{_CONTROLS}]*$"
# Lone surrogates (JSON can spell them as escapes) are not characters at all: no text can store them.
_NOT_TEXT = re.compile(rf"[{_CONTROLS}\ud800-\udfff]")
_VISIBLE = re.compile(rf"[^{_CONTROLS}{_SPACES}]")
TEXT_MAX_LENGTH = 200


def _no_controls(value: str) -> str:
    if _NOT_TEXT.search(value):
        raise ValueError("must be one line of text, without control characters")
    return value


def _visible(value: str) -> str:
    _no_controls(value)
    if not _VISIBLE.search(value):
        raise ValueError("must have at least one visible character")
    return value


OneLineText = Annotated[
    str,
    Field(min_length=1, max_length=TEXT_MAX_LENGTH),
    AfterValidator(_visible),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": TEXT_MAX_LENGTH, "pattern": ONE_LINE_PATTERN}
    ),
]
OneLineTextOrEmpty = Annotated[
    str,
    Field(max_length=TEXT_MAX_LENGTH),
    AfterValidator(_no_controls),
    WithJsonSchema({"type": "string", "maxLength": TEXT_MAX_LENGTH, "pattern": ONE_LINE_OR_EMPTY_PATTERN}),
]
# A person's name: any name a person goes by, in any script, with at least one visible character.
PersonName = OneLineText
# What Python's str.strip() removes (str.isspace), spelled out for a pattern: a rule that "must not
# start or end with white space" is checked with strip() and stated with this class.
STRIPPED_SPACE = r"\t-\r\x1c-\x20\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def _any_case(word: str) -> str:
    return "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char) for char in word)


# The e-mail check refuses domains without a dot and addresses at special-use names (.test, .localhost,
# .onion...), where no mail is ever delivered; `format: email` alone allows both. Lookaheads state it
# (JSON Schema patterns are ECMA-262 regexes, which have them); `(?![\s\S])` is the end of the value in
# every dialect.
_SPECIAL_USE = "|".join(_any_case(name) for name in SPECIAL_USE_DOMAIN_NAMES)
DELIVERABLE_EMAIL_PATTERN = rf"^(?=[\s\S]*@[\s\S]*\.)(?![\s\S]*@(?:[\s\S]*\.)?(?:{_SPECIAL_USE})(?![\s\S]))"
AccountEmail = Annotated[
    EmailStr,
    WithJsonSchema(
        {
            "type": "string",
            "format": "email",
            "pattern": DELIVERABLE_EMAIL_PATTERN,
            "description": "an address that can receive mail (not at a special-use name such as .test)",
        }
    ),
]
