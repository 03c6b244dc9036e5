"""The shared library of post templates with named placeholders."""

from __future__ import annotations

from sqlalchemy import ARRAY, Float, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from api.db.base import Base, TimestampMixin, UUIDPkMixin


class ContentTemplate(UUIDPkMixin, TimestampMixin, Base):
    __tablename__ = "content_templates"
    __table_args__ = (Index("ix_content_templates_category_platform", "category", "platform"),)

    title: Mapped[str] = mapped_column(String(200), nullable=False, unique=True)
    description: Mapped[str] = mapped_column(Text, nullable=False)
    category: Mapped[str] = mapped_column(String(50), nullable=False)
    platform: Mapped[str] = mapped_column(String(20), nullable=False)
    template_content: Mapped[str] = mapped_column(Text, nullable=False)
    placeholders: Mapped[list[str]] = mapped_column(
        ARRAY(Text), nullable=False, server_default=text("'{}'::text[]")
    )
    engagement_rating: Mapped[float | None] = mapped_column(Float)
    usage_count: Mapped[int] = mapped_column(nullable=False, server_default=text("0"))
