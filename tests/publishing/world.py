"""Arranging publishing tests: committed users, connected accounts (tokens from the fake) and due drafts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from api.accounts.models import ConnectedAccount
from api.auth.models import User
from api.content.models import ContentDraft
from api.core.crypto import encrypt
from api.core.db import session_scope
from api.publishing.models import PublishAttempt
from testkit.fake_platforms import FakePlatforms


class World:
    def __init__(self, fake: FakePlatforms) -> None:
        self.fake = fake
        self.users: list[uuid.UUID] = []

    def user(self, platform: str = "twitter", connected: bool = True, expires_in: int = 7200) -> uuid.UUID:
        with session_scope() as session:
            user = User(email=f"pub-{uuid.uuid4().hex[:10]}@example.com", password_hash="x", name="P")
            session.add(user)
            session.flush()
            self.users.append(user.id)
            if connected:
                external = str(uuid.uuid4().int % 10**12)
                grant = self.fake._issue(external)
                session.add(
                    ConnectedAccount(
                        user_id=user.id, platform=platform, external_user_id=external,
                        handle=f"ada_{external}",
                        access_token_encrypted=encrypt(grant["access_token"]),
                        refresh_token_encrypted=encrypt(grant["refresh_token"]),
                        token_expires_at=datetime.now(UTC) + timedelta(seconds=expires_in),
                    )
                )  # fmt: skip
            return user.id

    def draft(
        self,
        user_id: uuid.UUID,
        content: str,
        platform: str = "twitter",
        *,
        content_type: str | None = None,
        first_comment: str | None = None,
        due: datetime | None = None,
    ) -> uuid.UUID:
        with session_scope() as session:
            draft = ContentDraft(
                user_id=user_id, platform=platform, content=content, content_type=content_type,
                status="scheduled", scheduled_for=due or datetime.now(UTC) - timedelta(minutes=1),
                first_comment=first_comment,
            )  # fmt: skip
            session.add(draft)
            session.flush()
            return draft.id

    def get(self, draft_id: uuid.UUID) -> ContentDraft:
        with session_scope() as session:
            draft = session.get(ContentDraft, draft_id)
            assert draft is not None
            return draft

    def account(self, user_id: uuid.UUID) -> ConnectedAccount:
        with session_scope() as session:
            account = session.scalar(select(ConnectedAccount).where(ConnectedAccount.user_id == user_id))
            assert account is not None
            return account

    def attempts(self, draft_id: uuid.UUID) -> list[PublishAttempt]:
        with session_scope() as session:
            return list(
                session.scalars(
                    select(PublishAttempt)
                    .where(PublishAttempt.draft_id == draft_id)
                    .order_by(PublishAttempt.number)
                )
            )

    def clean(self) -> None:
        with session_scope() as session:
            session.execute(delete(User).where(User.id.in_(self.users)))
