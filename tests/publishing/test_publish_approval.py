"""The publisher never posts what its workspace says needs approval and lacks it."""

from __future__ import annotations

from sqlalchemy import select, update

from api.content.models import ContentDraft
from api.core.db import session_scope
from api.publishing import publisher
from api.workspaces.models import ActivityEvent, Workspace
from tests.publishing.world import World


def _needs_approval(draft_id: object, on: bool = True) -> None:
    with session_scope() as session:
        draft = session.get(ContentDraft, draft_id)
        assert draft is not None
        session.execute(update(Workspace).where(Workspace.id == draft.workspace_id).values(needs_approval=on))


def test_a_due_post_without_approval_is_held_then_published_once_approved(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "Held until a reviewer says yes")
    _needs_approval(draft_id)

    assert publisher.run_pass()["held"] == 1
    assert world.fake.posts == []  # nothing reached the platform
    held = world.get(draft_id)
    assert held.status == "scheduled" and held.approval == "none" and held.next_attempt_at is not None
    assert held.last_error is not None and held.last_error.startswith("Waiting for approval")
    assert publisher.run_pass()["held"] == 0  # held for a while, not looked at on every pass

    with session_scope() as session:  # approved (as the approve endpoint does): the hold is cleared
        session.execute(
            update(ContentDraft)
            .where(ContentDraft.id == draft_id)
            .values(approval="approved", next_attempt_at=None, last_error=None)
        )
    assert publisher.run_pass()["published"] == 1
    assert [p.text for p in world.fake.posts] == ["Held until a reviewer says yes"]
    assert publisher.run_pass()["published"] == 0
    with session_scope() as session:
        actions = session.scalars(
            select(ActivityEvent.action)
            .where(ActivityEvent.subject_id == draft_id)
            .order_by(ActivityEvent.created_at)
        ).all()
    assert actions == ["published"]


def test_a_submitted_or_sent_back_post_is_held_too(world: World) -> None:
    user = world.user()
    drafts = [world.draft(user, f"Not yet {state}") for state in ("submitted", "changes_requested")]
    for draft_id, state in zip(drafts, ("submitted", "changes_requested"), strict=True):
        _needs_approval(draft_id)
        with session_scope() as session:
            session.execute(update(ContentDraft).where(ContentDraft.id == draft_id).values(approval=state))
    assert publisher.run_pass()["held"] == 2
    assert world.fake.posts == []


def test_without_the_setting_an_unapproved_post_goes_out(world: World) -> None:
    user = world.user()
    draft_id = world.draft(user, "No approval asked here")
    _needs_approval(draft_id, on=False)
    assert publisher.run_pass()["published"] == 1
    assert world.get(draft_id).status == "published"
