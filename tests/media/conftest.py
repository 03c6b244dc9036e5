"""The media tests' fixtures: a storage folder of the test's own, members of workspaces, and uploads."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.media import files


@pytest.fixture
def media_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Iterator[Path]:
    """Local storage in a folder of this test's own."""
    from api.media.storage import get_media_settings, get_storage

    folder = tmp_path / "media"
    monkeypatch.setenv("MEDIA_STORAGE", "local")
    monkeypatch.setenv("MEDIA_DIR", str(folder))
    get_media_settings.cache_clear()
    get_storage.cache_clear()
    yield folder
    get_media_settings.cache_clear()
    get_storage.cache_clear()


def stored_files(folder: Path) -> list[str]:
    """Every file under the storage folder (staging included), relative."""
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.is_file())


def media_rows(db: Any) -> tuple[int, int]:
    from api.media.models import MediaAsset, MediaBlob

    return (
        db.scalar(select(func.count()).select_from(MediaAsset)),
        db.scalar(select(func.count()).select_from(MediaBlob)),
    )


@dataclass
class Member:
    user: Any
    headers: dict[str, str]
    workspace_id: uuid.UUID

    def upload(
        self,
        client: Any,
        data: bytes,
        filename: str = "file.bin",
        content_type: str = "application/octet-stream",
        **fields: str,
    ) -> Any:
        return client.post(
            "/api/media", headers=self.headers, files={"file": (filename, data, content_type)}, data=fields
        )

    def image(self, client: Any, data: bytes | None = None, **fields: str) -> dict[str, Any]:
        fields.setdefault("alt_text", "Two colour blocks, red and blue.")
        answer = self.upload(
            client, data if data is not None else files.png(), "picture.png", "image/png", **fields
        )
        assert answer.status_code in (200, 201), answer.text
        return answer.json()


@pytest.fixture
def member_factory(
    client: Any,
    db: Any,
    user_factory: Callable[..., Any],
    auth_headers: Callable[[Any], dict[str, str]],
    media_dir: Path,
) -> Callable[[], Member]:
    """A user in their personal workspace (made as their first request would)."""
    from api.workspaces.service import personal_workspace_id

    def make() -> Member:
        user = user_factory()
        workspace_id = personal_workspace_id(db, user.id)
        db.commit()
        return Member(user, auth_headers(user), workspace_id)

    return make


@pytest.fixture
def member(member_factory: Callable[[], Member]) -> Member:
    return member_factory()


@pytest.fixture
def draft_factory(db: Any) -> Callable[..., Any]:
    """Drafts made directly in the database, in a member's workspace."""
    from api.content.models import ContentDraft

    def make(owner: Member, platform: str = "twitter", content: str = "A post.", **fields: Any) -> Any:
        draft = ContentDraft(
            workspace_id=owner.workspace_id,
            user_id=owner.user.id,
            platform=platform,
            content=content,
            **fields,
        )
        db.add(draft)
        db.commit()
        return draft

    return make
