"""Where a user's voice analysis stands, for a page that follows it (one query per table, no orchestrator)."""

from __future__ import annotations

import uuid
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.voice.models import ToneAnalysis, ToneAnalysisRun
from api.voice.schemas import ToneAnalysisStatusOut
from api.voice.service import NO_ANALYSIS_MESSAGE, latest_run, run_progress_detail

State = Literal["none", "queued", "waiting_for_model", "running", "ready", "failed"]


def _failed_since(finished: ToneAnalysisRun | None, analysis: ToneAnalysis | None) -> bool:
    """The newest finished run failed, after the stored analysis (if any) was made."""
    if finished is None or finished.status != "failed":
        return False
    return analysis is None or finished.finished_at is None or finished.finished_at > analysis.last_updated


def analysis_status(session: Session, user_id: uuid.UUID) -> ToneAnalysisStatusOut:
    """The stored analysis (if any) and the newest run: a run on its way wins over a stored analysis."""
    analysis = session.scalar(select(ToneAnalysis).where(ToneAnalysis.user_id == user_id))
    pending = latest_run(session, user_id, unfinished=True)
    finished = latest_run(session, user_id, unfinished=False) if pending is None else None
    state: State
    if pending is not None:
        state = "queued"
        if pending.status == "waiting_for_model":
            state = "waiting_for_model"
        elif pending.status == "running":
            state = "running"
        detail = run_progress_detail(pending)
    elif _failed_since(finished, analysis):
        assert finished is not None
        state, detail = "failed", f"The last analysis failed: {finished.detail or 'no reason given'}."
    elif analysis is not None:
        state, detail = "ready", "Your tone analysis is ready."
    else:
        state, detail = "none", NO_ANALYSIS_MESSAGE
    run = pending or finished
    return ToneAnalysisStatusOut(
        state=state,
        detail=detail,
        computed_at=analysis.last_updated if analysis else None,
        posts_analyzed=analysis.posts_analyzed if analysis else None,
        flow_run_id=run.flow_run_id if run else None,
    )
