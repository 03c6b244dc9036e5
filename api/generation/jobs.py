"""Generation jobs: a generation a client follows by polling, each variant visible as soon as it is stored.

`POST /api/content/generate/jobs` validates what it can (the same 404/409/503 as the synchronous endpoint),
stores a `queued` job in the request's transaction and hands it to a small thread pool in the API process
only once that transaction has committed (a background task of the response). A worker runs it with its
own session: `running`, then one committed draft after another (the draft and the job's `draft_ids`
together), then `succeeded` with the drafts best first, or `failed` with the error. A job whose process
stopped is failed as interrupted, at the next start or when it is read, once it has gone unchanged for
longer than any job can legitimately take (`stale_after`).
"""

from __future__ import annotations

import logging
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol

from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from api.auth.models import User
from api.content.models import ContentDraft
from api.content.schemas import DraftOut
from api.core import ownership
from api.core.config import get_settings
from api.core.db import get_sessionmaker, session_scope
from api.core.errors import AppError, ServiceUnavailable
from api.core.ownership import Scope
from api.generation import service as generation_service
from api.generation.models import UNFINISHED, GenerationJob
from api.generation.schemas import GenerateIn, GenerationJobError, GenerationJobOut, GenerationRequest
from ml.client import ModelUnavailable

logger = logging.getLogger("postwright.generation")

# Generation mostly waits on the LLM over HTTP; two workers keep a local model busy without starving the
# requests of CPU. Past MAX_PENDING jobs waiting or running in this process a new job is a 503.
WORKERS = 2
MAX_PENDING = 16
# What a job may take beyond the LLM's own time: the voice profile, predictions, the database.
STALE_MARGIN = timedelta(minutes=2)
INTERRUPTED = "interrupted: the server restarted; try again"
INTERNAL = "Something went wrong on our side; try again."


def stale_after(variants: int) -> timedelta:
    """How long an unfinished job may go unchanged before it counts as interrupted: the longest a whole
    job can legitimately take (every try of every variant waiting the full LLM_TIMEOUT_SECONDS, twice with
    the client's one retry) plus a margin. A running job is changed after each variant, so a live one is
    never taken for an interrupted one."""
    seconds = 2 * generation_service.TRIES_PER_VARIANT * get_settings().llm_timeout_seconds * variants
    return timedelta(seconds=seconds) + STALE_MARGIN


def _variants(job: GenerationJob) -> int:
    value = job.request.get("variants")
    return value if isinstance(value, int) else 1


class Runner(Protocol):
    """Where a committed job runs (the thread pool; tests inject their own)."""

    def busy(self) -> bool: ...

    def submit(self, job_id: uuid.UUID) -> None: ...


def create(session: Session, scope: Scope, body: GenerateIn, runner: Runner) -> GenerationJob:
    """A queued job for `body` (flushed), after the checks a generation can fail before it starts: 409
    for a thread off X, 404 for an unknown template, 503 with no LLM configured or too many jobs waiting."""
    generation_service.validate(session, body)
    generation_service.author_of(session, scope, body)
    if runner.busy():
        raise ServiceUnavailable("Too many generations are waiting; retry shortly.", retry_after=30)
    job = GenerationJob(
        workspace_id=scope.workspace_id,
        user_id=scope.user_id,
        status="queued",
        request=body.model_dump(mode="json"),
        draft_ids=[],
    )
    session.add(job)
    session.flush()
    session.refresh(job)  # the server's timestamps
    return job


def get_owned(session: Session, scope: Scope, job_id: uuid.UUID) -> GenerationJob:
    """The workspace's job as it is now, or 404 (also for another workspace's: its existence is not
    revealed). An unfinished job unchanged for longer than `stale_after` is failed as interrupted first."""
    job = ownership.get_owned(session, GenerationJob, scope, job_id, "generation job", populate_existing=True)
    if job.status in UNFINISHED and _interrupt_if_stale(session, job, datetime.now(UTC)):
        session.refresh(job)
    return job


def drafts_of(session: Session, job: GenerationJob) -> list[ContentDraft]:
    """The job's drafts in its order, leaving out any deleted since."""
    if not job.draft_ids:
        return []
    found = {
        draft.id: draft
        for draft in session.scalars(
            select(ContentDraft).where(
                ContentDraft.id.in_(job.draft_ids), ContentDraft.workspace_id == job.workspace_id
            )
        )
    }
    return [found[draft_id] for draft_id in job.draft_ids if draft_id in found]


def to_out(session: Session, job: GenerationJob) -> GenerationJobOut:
    """The job as the API shows it."""
    return GenerationJobOut(
        id=job.id,
        status=job.status,  # type: ignore[arg-type]
        request=GenerationRequest.model_validate(job.request),
        variants_requested=_variants(job),
        drafts=[DraftOut.model_validate(draft) for draft in drafts_of(session, job)],
        error=GenerationJobError.model_validate(job.error) if job.error is not None else None,
        created_at=job.created_at,
        updated_at=job.updated_at,
        finished_at=job.finished_at,
    )


def _error(code: str, detail: Any, retry_after: int | None) -> dict[str, Any]:
    return {"error": code, "detail": str(detail), "retry_after": retry_after}


def _update_running(session: Session, job_id: uuid.UUID, **values: Any) -> bool:
    """Change a running job; False when it is no longer running (failed as interrupted meanwhile) or gone
    (its account erased). Readers load jobs afresh, so the session's copy is left as it is."""
    changed = session.execute(
        update(GenerationJob)
        .where(GenerationJob.id == job_id, GenerationJob.status == "running")
        .values(**values)
        .returning(GenerationJob.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    return changed is not None


def execute(session: Session, job_id: uuid.UUID) -> None:
    """Run a queued job to its end with `session`, committing as it goes: `running`; each draft with the
    job's `draft_ids` as soon as it is stored (no transaction is held while the LLM writes); `succeeded`
    with the drafts best first (by `rank_score`) and one `draft.generated` webhook event.

    An AppError (the LLM unavailable or answering nonsense, the draft quota...) fails the job with that
    error and its Retry-After seconds; anything else fails it with a generic message, its traceback logged.
    Drafts stored before a failure stay (they are the user's, listed on the job, and announced). A job that
    is not queued any more (taken, failed as interrupted, or its account erased) is left alone."""
    claimed = session.execute(
        update(GenerationJob)
        .where(GenerationJob.id == job_id, GenerationJob.status == "queued")
        .values(status="running")
        .returning(GenerationJob.user_id, GenerationJob.workspace_id, GenerationJob.request)
        .execution_options(synchronize_session=False)
    ).first()
    session.commit()
    if claimed is None:
        return
    user_id, workspace_id, request = claimed
    body: GenerateIn | None = None
    stored: list[ContentDraft] = []
    stored_ids: list[uuid.UUID] = []  # kept apart: a rollback expires the drafts' attributes
    try:
        body = GenerateIn.model_validate(request)
        if session.get(User, user_id) is None:  # erased since: the job went with it
            return
        scope = Scope(user_id=user_id, workspace_id=workspace_id, role="editor")
        author = generation_service.author_of(session, scope, body)
        plan = generation_service.prepare(session, scope, author, body)
        session.commit()
        for draft in generation_service.write(session, plan):
            if not _update_running(
                session, job_id, draft_ids=func.array_append(GenerationJob.draft_ids, draft.id)
            ):
                session.rollback()
                return
            session.commit()
            stored.append(draft)
            stored_ids.append(draft.id)
        ranked = [draft.id for draft in sorted(stored, key=generation_service.rank_score, reverse=True)]
        if _update_running(
            session, job_id, status="succeeded", draft_ids=ranked, error=None, finished_at=func.now()
        ):
            generation_service.announce(session, workspace_id, body, ranked)
        session.commit()
    except (AppError, ModelUnavailable) as caught:
        session.rollback()
        # As the error handlers would answer it over HTTP.
        error = (
            caught if isinstance(caught, AppError) else ServiceUnavailable(str(caught), caught.retry_after)
        )
        logger.info("generation job failed", extra={"job_id": str(job_id), "error": error.code})
        retry_after = getattr(error, "retry_after", None)
        _fail(session, job_id, workspace_id, body, stored_ids, _error(error.code, error.detail, retry_after))
    except Exception:
        logger.exception("generation job failed unexpectedly", extra={"job_id": str(job_id)})
        session.rollback()
        _fail(session, job_id, workspace_id, body, stored_ids, _error("internal_error", INTERNAL, None))


def _fail(
    session: Session,
    job_id: uuid.UUID,
    workspace_id: uuid.UUID,
    body: GenerateIn | None,
    stored_ids: list[uuid.UUID],
    error: dict[str, Any],
) -> None:
    try:
        failed = _update_running(session, job_id, status="failed", error=error, finished_at=func.now())
        if failed and stored_ids and body is not None:
            generation_service.announce(session, workspace_id, body, stored_ids)
        session.commit()
    except SQLAlchemyError:
        # The database itself is failing: the job stays running until it counts as interrupted.
        session.rollback()
        logger.exception("could not record a failed generation job", extra={"job_id": str(job_id)})


def _interrupt_if_stale(session: Session, job: GenerationJob, now: datetime) -> bool:
    """Fail an unfinished job gone unchanged for longer than `stale_after`; True when it was."""
    if job.updated_at >= now - stale_after(_variants(job)):
        return False
    failed = session.execute(
        update(GenerationJob)
        # Only as it was read: a worker that wrote since is alive.
        .where(
            GenerationJob.id == job.id,
            GenerationJob.status.in_(UNFINISHED),
            GenerationJob.updated_at == job.updated_at,
        )
        .values(status="failed", error=_error("interrupted", INTERRUPTED, None), finished_at=func.now())
        .returning(GenerationJob.id)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if failed is not None:
        logger.warning("generation job interrupted", extra={"job_id": str(job.id)})
    return failed is not None


def recover_interrupted(session: Session, now: datetime | None = None) -> int:
    """Fail every unfinished job gone unchanged for longer than `stale_after` (flushes); how many."""
    now = now or datetime.now(UTC)
    candidates = session.scalars(
        select(GenerationJob)
        .where(GenerationJob.status.in_(UNFINISHED), GenerationJob.updated_at < now - stale_after(1))
        .execution_options(populate_existing=True)
    ).all()
    return sum(_interrupt_if_stale(session, job, now) for job in candidates)


def _recover_interrupted_now() -> None:
    try:
        with session_scope() as session:
            recover_interrupted(session)
    except SQLAlchemyError:
        # Not up yet (or not migrated): reading a job fails it as interrupted just the same.
        logger.warning("could not look for interrupted generation jobs", exc_info=True)


class ThreadPoolRunner:
    """Jobs on a few threads of the API process, each with its own session."""

    def __init__(self, workers: int = WORKERS, max_pending: int = MAX_PENDING) -> None:
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="generation-job")
        self._max_pending = max_pending
        self._pending = 0
        self._lock = threading.Lock()

    def busy(self) -> bool:
        with self._lock:
            return self._pending >= self._max_pending

    def submit(self, job_id: uuid.UUID) -> None:
        with self._lock:
            self._pending += 1
        self._executor.submit(self._run, job_id).add_done_callback(self._done)

    def recover(self) -> None:
        """Fail the jobs a stopped process left behind, off the caller's thread (a database that does not
        answer must not hold up the start)."""
        self._executor.submit(_recover_interrupted_now)

    def _done(self, _: Future[None]) -> None:
        with self._lock:
            self._pending -= 1

    @staticmethod
    def _run(job_id: uuid.UUID) -> None:
        session = get_sessionmaker()()
        try:
            execute(session, job_id)
        except Exception:
            # execute records its own failures; this is the database failing while it claims the job.
            logger.exception("generation job could not run", extra={"job_id": str(job_id)})
        finally:
            session.close()


@lru_cache(maxsize=1)
def get_runner() -> Runner:
    """The process's runner (a dependency: tests override it)."""
    return ThreadPoolRunner()


def on_startup() -> None:
    """The app's start: fail the jobs a stopped process left queued or running."""
    runner = get_runner()
    if isinstance(runner, ThreadPoolRunner):
        runner.recover()
