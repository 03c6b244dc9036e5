"""In-process flow runs take users in turn, and a run still waiting is not queued twice."""

from __future__ import annotations

import threading
import uuid

from api.core.launcher import FairQueue


def test_one_users_backlog_does_not_make_another_wait_behind_all_of_it() -> None:
    queue = FairQueue(thread_name="test-fair")
    order: list[str] = []
    gate = threading.Event()

    def job(name: str):  # type: ignore[no-untyped-def]
        def run() -> None:
            if name == "a0":
                gate.wait(5)  # the first job runs while the rest queue up
            order.append(name)

        return run

    futures = [queue.submit("alice", f"analysis-a{i}", uuid.uuid4(), job(f"a{i}")) for i in range(20)]
    futures.append(queue.submit("bob", "analysis-b", uuid.uuid4(), job("b")))
    gate.set()
    for future in futures:
        future.result(timeout=10)
    assert order[0] == "a0" and order.index("b") <= 2  # bob waits for one or two of alice's, not twenty
    assert sorted(order) == sorted([f"a{i}" for i in range(20)] + ["b"])


def test_an_identical_waiting_job_is_found_and_a_failure_reaches_its_waiter() -> None:
    queue = FairQueue(thread_name="test-fair-2")
    gate = threading.Event()
    first = uuid.uuid4()
    queue.submit("alice", "busy", uuid.uuid4(), lambda: gate.wait(5) and None)
    queue.submit("alice", "analysis", first, lambda: None)
    assert queue.waiting("analysis") == first and queue.waiting("other") is None

    def boom() -> None:
        raise RuntimeError("the flow failed")

    failing = queue.submit("carol", "failing", uuid.uuid4(), boom)
    gate.set()
    queue.future(first).result(timeout=10)  # type: ignore[union-attr]
    assert queue.waiting("analysis") is None  # started: a new request would queue a new run
    try:
        failing.result(timeout=10)
    except RuntimeError as error:
        assert "the flow failed" in str(error)
    else:
        raise AssertionError("the failure was swallowed")


def test_drain_waits_for_queued_and_running_jobs_and_reports_a_timeout() -> None:
    queue = FairQueue(thread_name="test-drain")
    gate = threading.Event()
    done: list[int] = []
    queue.submit("alice", "first", uuid.uuid4(), lambda: (gate.wait(5), done.append(1)))
    queue.submit("bob", "second", uuid.uuid4(), lambda: done.append(2))
    assert queue.drain(timeout=0.2) is False  # the first job is still running
    gate.set()
    assert queue.drain(timeout=10) is True
    assert sorted(done) == [1, 2]


def test_finished_runs_beyond_the_last_few_are_forgotten() -> None:
    queue = FairQueue(thread_name="test-forget")
    queue.KEEP_FINISHED = 3
    runs = [uuid.uuid4() for _ in range(8)]
    for run in runs:
        queue.submit("alice", str(run), run, lambda: None).result(timeout=5)
    last = uuid.uuid4()
    queue.submit("alice", "last", last, lambda: None).result(timeout=5)
    assert [queue.future(run) is not None for run in runs] == [False] * 5 + [True] * 3
    assert queue.future(last) is not None
