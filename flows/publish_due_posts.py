"""`publish-due-posts`: post every due scheduled draft exactly once, and deliver the webhooks it raised.

`python -m flows.publish_due_posts` runs one pass from the shell.
"""

from __future__ import annotations

from typing import Annotated

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import Field

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


@flow(name="publish-due-posts", log_prints=True)
def publish_due_posts(limit: Annotated[int, Field(ge=1, le=100_000)] = 1000) -> dict[str, dict[str, int]]:
    """Publish the scheduled posts that are due, then deliver the webhook events that are due."""
    return {"posts": publish_due(limit), "webhooks": deliver_webhooks(limit)}


if __name__ == "__main__":
    print(publish_due_posts())
