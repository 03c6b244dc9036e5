"""The registered platforms: the one list of names, and the field types that validate against it.

Request bodies and parameters name a platform with the types below: they accept what is registered *when the
request is validated* and document the registered names as an enum *when the OpenAPI document is built*, so
registering a platform (before the app is built) is all it takes for the API to accept and list it. Names are
stored as plain text (see `api.platforms`), so no migration follows a registration.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

from pydantic import AfterValidator, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from api.platforms import linkedin, x
from api.platforms.base import PlatformPlugin

# The built-in platforms, in the order lists and reports show them. A new platform is one more entry here.
BUILT_IN: tuple[PlatformPlugin, ...] = (linkedin.PLUGIN, x.PLUGIN)

# The `platform` columns are VARCHAR(20).
MAX_NAME_LENGTH = 20
_NAME = re.compile(rf"^[a-z][a-z0-9_-]{{0,{MAX_NAME_LENGTH - 1}}}$")

_plugins: dict[str, PlatformPlugin] = {}
_aliases: dict[str, str] = {}


class UnknownPlatform(ValueError):
    """A name that no registered platform has (a 422 where a client sent it)."""


def register(plugin: PlatformPlugin) -> None:
    """Add a platform; its name and aliases must be new, lower case, and fit the columns."""
    spelled = (plugin.name, *plugin.aliases)
    for name in spelled:
        if not _NAME.match(name):
            raise ValueError(
                f"platform name {name!r}: lower-case letters, digits, - and _, at most {MAX_NAME_LENGTH}"
            )
        if name in _aliases:
            raise ValueError(f"platform name {name!r} is taken by {_aliases[name]!r}")
    if len(set(spelled)) != len(spelled):
        raise ValueError(f"platform {plugin.name!r} repeats a name among its aliases")
    _plugins[plugin.name] = plugin
    for name in spelled:
        _aliases[name] = plugin.name


def unregister(name: str) -> None:
    """Remove a platform and its aliases (tests and scripts that registered one)."""
    plugin = _plugins.pop(name)
    for alias in (plugin.name, *plugin.aliases):
        del _aliases[alias]


@contextmanager
def registered(plugin: PlatformPlugin) -> Iterator[PlatformPlugin]:
    """The platform registered for the block, and removed after it whatever happens."""
    register(plugin)
    try:
        yield plugin
    finally:
        unregister(plugin.name)


def get(name: str) -> PlatformPlugin:
    """The plugin stored under `name`, or UnknownPlatform naming the registered ones."""
    plugin = _plugins.get(name)
    if plugin is None:
        raise UnknownPlatform(_unknown(name))
    return plugin


def plugins() -> tuple[PlatformPlugin, ...]:
    """Every registered platform, built-in ones first."""
    return tuple(_plugins.values())


def names() -> tuple[str, ...]:
    """The stored names of the registered platforms."""
    return tuple(_plugins)


def aliases() -> tuple[str, ...]:
    """The other names clients may use ("x" for twitter)."""
    return tuple(alias for plugin in _plugins.values() for alias in plugin.aliases)


def normalise(value: str) -> str:
    """The stored name for `value`, a name or an alias in any case ("X" is "twitter"), or UnknownPlatform."""
    name = _aliases.get(value.strip().lower())
    if name is None:
        raise UnknownPlatform(_unknown(value))
    return name


def _unknown(value: str) -> str:
    also = f" (or {', '.join(aliases())})" if aliases() else ""
    return f"unknown platform {value!r}; use one of: {', '.join(names())}{also}"


def _registered(value: str) -> str:
    get(value)
    return value


def _exact(value: str) -> str:
    """The stored name for exactly a name or an alias (a parameter's enum lists them, in this spelling)."""
    name = _aliases.get(value)
    if name is None:
        raise UnknownPlatform(_unknown(value))
    return name


def _at_most_one_each(value: list[str]) -> list[str]:
    if len(value) > len(_plugins):
        raise ValueError(f"name at most {len(_plugins)} platforms, each once")
    return value


class _RegistryEnum:
    """The JSON schema of a platform field: a string enum of the registered names (and aliases, for parameters
    that accept them), read from the registry when the schema is generated."""

    def __init__(self, *, with_aliases: bool) -> None:
        self.with_aliases = with_aliases

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        json_schema["enum"] = [*names(), *(aliases() if self.with_aliases else ())]
        return json_schema


class _AtMostRegisteredItems:
    """`maxItems` of a list of platforms: the number registered when the schema is generated."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema: dict[str, Any] = handler(schema)
        json_schema["maxItems"] = len(_plugins)
        return json_schema


# A body field: a registered name or alias, stored as the name; the document lists the names.
PlatformName = Annotated[str, AfterValidator(normalise), _RegistryEnum(with_aliases=False)]
# A query or path parameter: exactly a name or an alias, as the document's enum lists them; the stored name.
PlatformParam = Annotated[str, AfterValidator(_exact), _RegistryEnum(with_aliases=True)]
# Exactly a stored name (no alias, no other case): the profile and the engagement prediction take these.
StoredPlatformName = Annotated[str, AfterValidator(_registered), _RegistryEnum(with_aliases=False)]
# A profile's platforms: stored names, at most one of each registered platform.
StoredPlatformNames = Annotated[
    list[StoredPlatformName], AfterValidator(_at_most_one_each), _AtMostRegisteredItems()
]

for _plugin in BUILT_IN:
    register(_plugin)
