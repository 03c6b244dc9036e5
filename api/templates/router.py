"""/api/templates: the template library and drafts made from it."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from api.content.schemas import DraftOut
from api.core.errors import Forbidden, NotFound, Unauthorized, Unprocessable, responses
from api.core.pagination import MAX_OFFSET
from api.deps import SessionDep
from api.platforms.registry import PlatformParam
from api.templates import service
from api.templates.library import Category
from api.templates.schemas import TemplateOut, TemplatePage, TemplateUse
from api.workspaces.deps import ReadScope, WriteScope

router = APIRouter(
    prefix="/api/templates", tags=["templates"], responses=responses(Unauthorized, Forbidden, NotFound)
)


@router.get("", response_model=TemplatePage, responses=responses(Unprocessable))
def list_templates(
    scope: ReadScope,
    session: SessionDep,
    category: Annotated[Category | None, Query(description="one of the library's categories")] = None,
    platform: Annotated[PlatformParam | None, Query(description="a registered platform or alias")] = None,
    search: Annotated[str | None, Query(max_length=200, description="Text to look for")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> TemplatePage:
    """Browse the library, best rated first: filter by category, platform and free text."""
    query = service.templates_query(category=category, platform=platform, search=search)
    templates, total = service.page(session, query, limit, offset)
    return TemplatePage(
        items=[TemplateOut.model_validate(t) for t in templates], total=total, limit=limit, offset=offset
    )


@router.get("/{template_id}", response_model=TemplateOut, responses=responses(NotFound))
def get_template(template_id: uuid.UUID, scope: ReadScope, session: SessionDep) -> TemplateOut:
    return TemplateOut.model_validate(service.get_template(session, template_id))


@router.post(
    "/use/{template_id}",
    response_model=DraftOut,
    status_code=status.HTTP_201_CREATED,
    responses=responses(NotFound, Unprocessable),
)
def use_template(
    template_id: uuid.UUID, body: TemplateUse, scope: WriteScope, session: SessionDep
) -> DraftOut:
    """Fill the template's placeholders and save the result as a new draft. A missing value is a 422 that
    names the placeholders; so is a filled text too long for the platform."""
    return DraftOut.model_validate(service.use_template(session, scope, template_id, body.values))
