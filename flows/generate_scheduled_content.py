"""`generate-scheduled-content`: draft every due slot of every recurring schedule exactly once.

`python -m flows.generate_scheduled_content` runs one pass from the shell.
"""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from api.generation import scheduled


@task(cache_policy=NO_CACHE)
def draft_due_slots(limit: int) -> dict[str, int]:
    """Claim and draft the due slots (each in its own transaction, skipping those another run holds)."""
    counts = scheduled.run_pass(limit=limit)
    get_run_logger().info("scheduled slots: %s", counts)
    return counts


@flow(name="generate-scheduled-content", log_prints=True)
def generate_scheduled_content(limit: int = 1000) -> dict[str, int]:
    """Draft one post for every due recurring-schedule slot and advance each schedule to its next slot."""
    return draft_due_slots(limit)


if __name__ == "__main__":
    print(generate_scheduled_content())
