"""`publish-due-posts`: post every due scheduled draft exactly once, deliver the webhooks it raised, and free
the media files nothing refers to any more (left by a deleted workspace or account).

`python -m flows.publish_due_posts` runs one pass from the shell.
"""

from __future__ import annotations

from typing import Annotated

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from api.core.db import session_scope
from api.media import service as media
from api.publishing import publisher
from api.webhooks import service as webhooks


@task(cache_policy=NO_CACHE)
def publish_due(limit: int) -> dict[str, int]:
    """Claim, post and record each due draft (each in its own transactions, skipping those held elsewhere)."""
    counts = publisher.run_pass(limit=limit)
    get_run_logger().info("publishing: %s", counts)
    return counts


@task(cache_policy=NO_CACHE)
def deliver_webhooks(limit: int) -> dict[str, int]:
    """Send the due webhook deliveries (new events and retries)."""
    counts = webhooks.deliver_due(limit=limit)
    get_run_logger().info("webhooks: %s", counts)
    return counts


@task(cache_policy=NO_CACHE)
def free_unused_media() -> dict[str, int]:
    """Delete the stored files no media asset points at (a workspace's or an account's deletion cascades
    in the database only)."""
    with session_scope() as session:
        freed = media.sweep_orphans(session)
    if freed:
        get_run_logger().info("media: freed %d unused files", freed)
    return {"freed": freed}


@flow(name="publish-due-posts", log_prints=True)
def publish_due_posts(limit: Annotated[int, Field(ge=1, le=100_000)] = 1000) -> dict[str, dict[str, int]]:
    """Publish the scheduled posts that are due, deliver the webhook events that are due, and free unused
    media files."""
    return {"posts": publish_due(limit), "webhooks": deliver_webhooks(limit), "media": free_unused_media()}


if __name__ == "__main__":
    print(publish_due_posts())
