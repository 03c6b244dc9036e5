"""The posting queue: weekly slots per user and platform in the user's zone, and "add to queue".

A slot is a weekday (0 = Sunday ... 6 = Saturday, as `recurring_schedules` in the original design) and a
local time. Occurrences come from the recurrence code (`dateutil.rrule` + `zoneinfo`), so a slot stays at the
same local time across daylight-saving changes. "Add to queue" schedules a draft at the earliest future
occurrence of any of its platform's slots that no other scheduled post of the user takes.
"""

from __future__ import annotations

import heapq
import uuid
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.analytics import service as analytics
from api.auth.models import User
from api.content import service as content
from api.content.models import ContentDraft
from api.core.errors import Conflict
from api.core.ownership import Scope, get_owned, owned_rows
from api.platforms import registry
from api.publishing.models import PostingSlot
from api.publishing.schemas import SlotIn
from api.schedules.recurrence import Recurrence, from_sunday_first

MAX_SLOTS_PER_PLATFORM = 50
HORIZON = timedelta(days=366)


def _recurrence(slot: PostingSlot, tz: str) -> Recurrence:
    return Recurrence("weekly", from_sunday_first(slot.day_of_week), slot.local_time, tz)


def slots(session: Session, scope: Scope, platform: str | None = None) -> list[PostingSlot]:
    query = owned_rows(PostingSlot, scope)
    if platform is not None:
        query = query.where(PostingSlot.platform == platform)
    return list(
        session.scalars(query.order_by(PostingSlot.platform, PostingSlot.day_of_week, PostingSlot.local_time))
    )


def add_slot(session: Session, scope: Scope, new: SlotIn) -> PostingSlot:
    existing = slots(session, scope, new.platform)
    if len(existing) >= MAX_SLOTS_PER_PLATFORM:
        raise Conflict(f"At most {MAX_SLOTS_PER_PLATFORM} slots per platform; delete one first.")
    at = new.time.replace(second=0, microsecond=0, tzinfo=None)
    if any(s.day_of_week == new.day_of_week and s.local_time == at for s in existing):
        raise Conflict("That slot already exists.")
    slot = PostingSlot(
        workspace_id=scope.workspace_id,
        user_id=scope.user_id,
        platform=new.platform,
        day_of_week=new.day_of_week,
        local_time=at,
    )
    session.add(slot)
    session.flush()
    return slot


def delete_slot(session: Session, scope: Scope, slot_id: uuid.UUID) -> None:
    session.delete(get_owned(session, PostingSlot, scope, slot_id, "posting slot"))
    session.flush()


def next_free(
    session: Session,
    scope: Scope,
    user: User,
    platform: str,
    now: datetime,
    exclude: uuid.UUID | None = None,
) -> datetime:
    """The earliest future slot occurrence that no scheduled post of the user on `platform` takes."""
    owned = slots(session, scope, platform)
    if not owned:
        name = registry.get(platform).display_name
        raise Conflict(f"You have no {name} posting slots; add some with POST /api/queue/slots first.")
    taken = set(
        session.scalars(
            select(ContentDraft.scheduled_for).where(
                ContentDraft.workspace_id == scope.workspace_id,
                ContentDraft.platform == platform,
                ContentDraft.status == "scheduled",
                ContentDraft.scheduled_for > now,
                ContentDraft.id != (exclude or uuid.UUID(int=0)),
            )
        )
    )
    rules = [_recurrence(slot, user.timezone) for slot in owned]
    heap = [(rule.next_after(now), i) for i, rule in enumerate(rules)]
    heapq.heapify(heap)
    while heap:
        moment, i = heapq.heappop(heap)
        if moment - now > HORIZON:
            break
        if moment not in taken:
            return moment
        heapq.heappush(heap, (rules[i].next_after(moment), i))
    raise Conflict("Every slot of the coming year is taken; add slots or schedule this post by hand.")


def add_to_queue(
    session: Session,
    scope: Scope,
    user: User,
    draft_id: uuid.UUID,
    version: int | None,
    now: datetime | None = None,
) -> ContentDraft:
    """Schedule the draft at its platform's next free slot."""
    now = now or datetime.now(UTC)
    draft = content.get_owned_draft(session, scope, draft_id)
    moment = next_free(session, scope, user, draft.platform, now, exclude=draft.id)
    return content.schedule_draft(session, scope, draft_id, moment, version=version, now=now)


def suggestions(
    session: Session, scope: Scope, user: User, platform: str, count: int = 3
) -> list[tuple[int, time, str]]:
    """Slots from the workspace's best weekdays and hours (day Sunday = 0, local time, why)."""
    report = analytics.insights(session, analytics.whose(session, scope), user.timezone)
    found = next((p for p in report.platforms if p.platform == platform), None)
    if found is None or not found.enough_history or not found.best_days or not found.best_hours:
        return []
    hour = found.best_hours[0]
    at = time(int(hour.bucket.split(":")[0]))
    result = []
    for day in found.best_days[:count]:
        index = (analytics.WEEKDAYS.index(day.bucket) + 1) % 7
        why = (
            f"{day.bucket}s ({day.posts} posts) and {hour.bucket} ({hour.posts} posts) are among your best: "
            f"{(day.mean_rate or 0) * 100:.1f}% and {(hour.mean_rate or 0) * 100:.1f}% mean engagement"
            + (
                " (95% interval above your average)"
                if day.stands_out
                else " (intervals overlap your average)"
            )
        )
        result.append((index, at, why))
    return result
