"""Templates: browse the library and turn a template into a draft."""

from __future__ import annotations

import uuid

from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from api.content import service as content_service
from api.content.models import ContentDraft
from api.content.schemas import DraftCreate
from api.core.errors import NotFound, Unprocessable
from api.core.ownership import Scope
from api.core.pagination import paginate
from api.templates.library import PLACEHOLDER, content_type_of
from api.templates.models import ContentTemplate

MAX_VALUE_CHARS = 3000


def get_template(session: Session, template_id: uuid.UUID) -> ContentTemplate:
    template = session.get(ContentTemplate, template_id)
    if template is None:
        raise NotFound(f"No template {template_id}.")
    return template


def templates_query(
    *, category: str | None = None, platform: str | None = None, search: str | None = None
) -> Select[ContentTemplate]:
    """Templates matching the filters; `search` looks in title, description and text, case-insensitively."""
    query = select(ContentTemplate)
    if category is not None:
        query = query.where(ContentTemplate.category == category)
    if platform is not None:
        query = query.where(ContentTemplate.platform == platform)
    if search:
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(
                ContentTemplate.title.ilike(pattern, escape="\\"),
                ContentTemplate.description.ilike(pattern, escape="\\"),
                ContentTemplate.template_content.ilike(pattern, escape="\\"),
            )
        )
    return query


def page(
    session: Session, query: Select[ContentTemplate], limit: int, offset: int
) -> tuple[list[ContentTemplate], int]:
    """One page, best rated first, and the total."""
    order = (ContentTemplate.engagement_rating.desc().nulls_last(), ContentTemplate.title, ContentTemplate.id)
    return paginate(session, query, order, limit, offset)


def fill(template_content: str, values: dict[str, str]) -> str:
    """The text with every `{placeholder}` replaced; 422 naming missing (or unknown) placeholders.

    A single substitution pass: braces inside the values stay as written.
    """
    needed = list(dict.fromkeys(PLACEHOLDER.findall(template_content)))
    cleaned = {name: value.strip() for name, value in values.items()}
    missing = [name for name in needed if not cleaned.get(name)]
    unknown = sorted(set(cleaned) - set(needed))
    problems = []
    if missing:
        problems.append(f"missing values for placeholders: {', '.join(missing)}")
    if unknown:
        problems.append(
            f"unknown placeholders: {', '.join(unknown)} (this template has: {', '.join(needed)})"
        )
    too_long = sorted(name for name, value in cleaned.items() if len(value) > MAX_VALUE_CHARS)
    if too_long:
        problems.append(f"values longer than {MAX_VALUE_CHARS} characters: {', '.join(too_long)}")
    if problems:
        raise Unprocessable("; ".join(problems))
    return PLACEHOLDER.sub(lambda match: cleaned[match.group(1)], template_content)


def use_template(
    session: Session, scope: Scope, template_id: uuid.UUID, values: dict[str, str]
) -> ContentDraft:
    """A new draft from the template with its placeholders filled; the template's usage count goes up by one.

    The count is incremented in the database (`usage_count = usage_count + 1`), so concurrent uses all count.
    """
    template = get_template(session, template_id)
    content = fill(template.template_content, values)
    new = DraftCreate.model_construct(  # the template's own, already valid values
        platform=template.platform,
        content=content,
        content_type=content_type_of(template.platform, template.template_content) or template.category,
    )
    draft = content_service.create_draft(session, scope, new, template_id=template.id)
    count = session.execute(
        update(ContentTemplate)
        .where(ContentTemplate.id == template.id)
        .values(usage_count=ContentTemplate.usage_count + 1)
        .returning(ContentTemplate.usage_count)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    template.usage_count = count  # keep the loaded object in step without reading it again
    return draft
