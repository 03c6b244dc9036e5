"""`collect-post-metrics`: published posts' likes, comments and shares at about 1 h, 24 h and 7 days.

`python -m flows.collect_post_metrics` runs one pass from the shell.
"""

from __future__ import annotations

from typing import Annotated

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from pydantic import Field

from api.publishing import metrics


@task(cache_policy=NO_CACHE)
def collect_due(limit: int) -> dict[str, int]:
    """Fetch the due metric pulls from the platforms into `user_posts`."""
    counts = metrics.collect_due(limit=limit)
    get_run_logger().info("metrics: %s", counts)
    return counts


@flow(name="collect-post-metrics", log_prints=True)
def collect_post_metrics(limit: Annotated[int, Field(ge=1, le=100_000)] = 500) -> dict[str, int]:
    """Write the platforms' metrics for recently published posts into the posts analytics reads."""
    return collect_due(limit)


if __name__ == "__main__":
    print(collect_post_metrics())
