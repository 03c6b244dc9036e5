"""Bodies of the /api/templates endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class TemplateOut(BaseModel):
    """A template: fill its `{placeholders}` through POST /api/templates/use/{id}."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    description: str
    category: str
    platform: str
    template_content: str
    placeholders: list[str]
    engagement_rating: float | None = Field(description="Editorial rating, 0 to 5: how well the format does.")
    usage_count: int
    created_at: datetime
    updated_at: datetime


class TemplatePage(BaseModel):
    items: list[TemplateOut]
    total: int
    limit: int
    offset: int


class TemplateUse(BaseModel):
    """A value for every placeholder of the template, by name."""

    model_config = ConfigDict(extra="forbid")

    values: dict[str, str] = Field(
        default_factory=dict, examples=[{"opinion": "Most meetings should be docs."}]
    )
