"""The social networks Postwright writes for, and the names clients may use for them."""

from __future__ import annotations

from typing import Literal, get_args

from api.core.errors import Unprocessable

# The stored names; the profile's `platforms` uses the same ones.
Platform = Literal["linkedin", "twitter"]
PLATFORMS: tuple[Platform, ...] = get_args(Platform)

# X was Twitter until 2023: exports and clients say either.
_ALIASES: dict[str, Platform] = {"linkedin": "linkedin", "twitter": "twitter", "x": "twitter"}


def normalise_platform(value: str) -> Platform:
    """The stored platform name for `value` ("x" is "twitter"), or ValueError naming the accepted ones."""
    platform = _ALIASES.get(value.strip().lower())
    if platform is None:
        raise ValueError(f"unknown platform {value!r}; use one of: {', '.join(PLATFORMS)} (or x)")
    return platform


def platform_filter(value: str | None) -> Platform | None:
    """A `platform` query parameter as the stored name (None for no filter); 422 naming the accepted ones."""
    if value is None:
        return None
    try:
        return normalise_platform(value)
    except ValueError as exc:
        raise Unprocessable([{"loc": ["query", "platform"], "msg": str(exc)}]) from exc
