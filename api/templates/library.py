"""The template library shipped with Postwright (library.json) and its idempotent seeding.

Placeholders are written `{name}` (lower-case, digits and underscores) inside the text; the list stored with
each template is derived from the text, so the two cannot disagree. An X template whose tweets are separated
by `---` lines is a thread. Engagement ratings (0-5) are editorial: how well the format tends to do for a
professional audience, not a measurement.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any, Literal, get_args

from sqlalchemy import ARRAY, Connection, DateTime, Float, Text, column, delete, func, table
from sqlalchemy.dialects.postgresql import insert

from api.content.length import THREAD_CONTENT_TYPE
from api.platforms import registry

PLACEHOLDER = re.compile(r"\{([a-z][a-z0-9_]*)\}")
Category = Literal[
    "thought_leadership",
    "milestone",
    "lesson_learned",
    "how_to",
    "announcement",
    "question",
    "story",
    "hiring",
    "event_recap",
    "case_study",
]
CATEGORIES: tuple[str, ...] = get_args(Category)
_THREAD_SEPARATOR = "\n---\n"

# The columns the seed writes, spelled out rather than taken from the ORM model: the seed runs inside a
# migration and must keep working when the model later grows columns that revision does not have yet.
_TEMPLATES = table(
    "content_templates",
    column("title", Text),
    column("description", Text),
    column("category", Text),
    column("platform", Text),
    column("template_content", Text),
    column("placeholders", ARRAY(Text)),
    column("engagement_rating", Float),
    column("updated_at", DateTime(timezone=True)),
)


@dataclass(frozen=True, slots=True)
class TemplateSpec:
    """One template of the library, validated."""

    title: str
    description: str
    category: str
    platform: str
    template_content: str
    engagement_rating: float

    @property
    def placeholders(self) -> list[str]:
        """The placeholder names in order of first appearance."""
        return placeholders_of(self.template_content)


def placeholders_of(text: str) -> list[str]:
    """The `{name}` placeholders of a template text, in order of first appearance."""
    return list(dict.fromkeys(PLACEHOLDER.findall(text)))


def content_type_of(platform: str, template_content: str) -> str | None:
    """`thread` for a template of several posts on a platform with threads (X), else None (the draft takes the
    category)."""
    if registry.get(platform).threads and _THREAD_SEPARATOR in template_content:
        return THREAD_CONTENT_TYPE
    return None


def load_library() -> list[TemplateSpec]:
    """Read and validate library.json; a broken library is an error, never a partial seed."""
    raw = json.loads(resources.files("api.templates").joinpath("library.json").read_text(encoding="utf-8"))
    specs = [_spec(item) for item in raw]
    titles = [spec.title for spec in specs]
    duplicates = sorted({title for title in titles if titles.count(title) > 1})
    if duplicates:
        raise ValueError(f"duplicate template titles: {duplicates}")
    return specs


def _spec(item: dict[str, Any]) -> TemplateSpec:
    spec = TemplateSpec(
        title=item["title"],
        description=item["description"],
        category=item["category"],
        platform=item["platform"],
        template_content=item["template_content"],
        engagement_rating=float(item["engagement_rating"]),
    )
    problems = []
    if spec.category not in CATEGORIES:
        problems.append(f"unknown category {spec.category!r}")
    if spec.platform not in registry.names():
        problems.append(f"unknown platform {spec.platform!r}")
    if not spec.placeholders:
        problems.append("no placeholders")
    if not 0 <= spec.engagement_rating <= 5:
        problems.append("engagement_rating outside 0-5")
    leftovers = PLACEHOLDER.sub("", spec.template_content)
    if "{" in leftovers or "}" in leftovers:
        problems.append("a brace that is not a {lower_case} placeholder")
    if problems:
        raise ValueError(f"template {spec.title!r}: {'; '.join(problems)}")
    return spec


def seed_templates(connection: Connection) -> int:
    """Insert or refresh every library template (by title); usage counts are left alone. Idempotent."""
    specs = load_library()
    rows = [
        {
            "title": spec.title,
            "description": spec.description,
            "category": spec.category,
            "platform": spec.platform,
            "template_content": spec.template_content,
            "placeholders": spec.placeholders,
            "engagement_rating": spec.engagement_rating,
        }
        for spec in specs
    ]
    statement = insert(_TEMPLATES).values(rows)
    refreshed: dict[str, Any] = {name: statement.excluded[name] for name in rows[0] if name != "title"}
    refreshed["updated_at"] = func.now()
    connection.execute(statement.on_conflict_do_update(index_elements=["title"], set_=refreshed))
    return len(rows)


def unseed_templates(connection: Connection) -> None:
    """Remove the library's templates (drafts made from them keep their text; template_id becomes NULL)."""
    titles = [spec.title for spec in load_library()]
    connection.execute(delete(_TEMPLATES).where(_TEMPLATES.c.title.in_(titles)))
