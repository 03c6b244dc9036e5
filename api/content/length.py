"""Whether a post fits its platform: the registered platform's length rule, counted the way it counts.

The rules live with the platforms (`api/platforms/<name>.py`); this is the one place drafts, schedules,
templates and generation ask. An empty post fits nowhere. An unregistered platform is `UnknownPlatform`.
"""

from __future__ import annotations

from api.platforms import registry
from api.platforms.base import THREAD_CONTENT_TYPE, LengthCheck, PartLength, split_thread

# The built-in platforms' own measures, for callers and tests that name them.
from api.platforms.linkedin import LINKEDIN_MAX_CHARS, linkedin_length
from api.platforms.x import X_MAX_WEIGHTED_LENGTH, x_weighted_length

__all__ = [
    "LINKEDIN_MAX_CHARS",
    "THREAD_CONTENT_TYPE",
    "X_MAX_WEIGHTED_LENGTH",
    "LengthCheck",
    "PartLength",
    "check_length",
    "linkedin_length",
    "split_thread",
    "x_weighted_length",
]


def check_length(platform: str, content: str, content_type: str | None = None) -> LengthCheck:
    """Whether `content` fits `platform`; a `thread` on a platform with threads is checked post by post."""
    plugin = registry.get(platform)
    if not content.strip():
        return LengthCheck(plugin.name, False, [], ["the post is empty"])
    return plugin.length.check(plugin, content, content_type)
