"""The prediction audit: what each draft's engagement prediction said against what the post really got,
once its metrics come in (an import of the platform's export, or the publisher's metric pulls), per model
version and per month. Rows of `prediction_audits` (`api.analytics.models.PredictionAudit`)."""

from __future__ import annotations

import uuid

from sqlalchemy import case, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from api.analytics.models import PredictionAudit
from api.analytics.schemas import AuditGroup, PredictionAuditOut
from api.content.models import ContentDraft
from api.history.models import UserPost


def _normalized(text: str) -> str:
    return " ".join(text.split()).lower()


def record_outcomes(session: Session, user_id: uuid.UUID) -> int:
    """Pair the user's posts that now have metrics with the predicted drafts they came from (same text).

    Upserts one audit row per post, so a later import with newer counts updates `actual`. Flushes only.
    """
    drafts = session.scalars(
        select(ContentDraft).where(
            ContentDraft.user_id == user_id, ContentDraft.engagement_prediction.is_not(None)
        )
    ).all()
    by_text = {_normalized(draft.content): draft for draft in drafts}
    if not by_text:
        return 0
    normalized = func.lower(func.regexp_replace(func.btrim(UserPost.content), r"\s+", " ", "g"))
    posts = session.scalars(
        select(UserPost).where(UserPost.user_id == user_id, normalized.in_(list(by_text)))
    ).all()
    recorded = 0
    for post in posts:
        metrics = post.engagement_metrics or {}
        counts = [metrics.get(name) for name in ("likes", "comments", "shares")]
        known = [float(c) for c in counts if isinstance(c, int | float) and not isinstance(c, bool)]
        if not known:
            continue
        draft = by_text[_normalized(post.content)]
        prediction = draft.engagement_prediction or {}
        values = {
            "user_id": user_id,
            "draft_id": draft.id,
            "post_id": post.id,
            "platform": post.platform,
            "model_version": str(prediction["model_version"]),
            "predicted": float(prediction["expected"]),
            "predicted_low": float(prediction["interval"]["low"]),
            "predicted_high": float(prediction["interval"]["high"]),
            "level": float(prediction["interval"]["level"]),
            "actual": sum(known),
            "posted_at": post.posted_at,
        }
        statement = insert(PredictionAudit).values(**values)
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[PredictionAudit.post_id],
                set_={"actual": statement.excluded.actual, "posted_at": statement.excluded.posted_at},
            )
        )
        recorded += 1
    session.flush()
    return recorded


def audit_report(session: Session, user_id: uuid.UUID) -> PredictionAuditOut:
    """Per model version and per month: how often the interval held the actual count, and the error."""
    error = func.ln(1 + PredictionAudit.actual) - func.ln(1 + PredictionAudit.predicted)
    hit = case(
        (PredictionAudit.actual.between(PredictionAudit.predicted_low, PredictionAudit.predicted_high), 1.0),
        else_=0.0,
    )
    columns = (
        func.count().label("posts"),
        func.avg(hit).label("interval_hit_rate"),
        func.avg(func.abs(error)).label("mae_log"),
        func.avg(error).label("bias_log"),
        func.avg(PredictionAudit.level).label("level"),
    )
    mine = PredictionAudit.user_id == user_id
    versions = session.execute(
        select(PredictionAudit.model_version, *columns).where(mine).group_by(PredictionAudit.model_version)
    ).all()
    month = func.date_trunc("month", func.coalesce(PredictionAudit.posted_at, PredictionAudit.created_at))
    drift = session.execute(
        select(month.label("month"), PredictionAudit.model_version, *columns)
        .where(mine)
        .group_by(month, PredictionAudit.model_version)
        .order_by(month, PredictionAudit.model_version)
    ).all()
    return PredictionAuditOut(
        posts=sum(int(row.posts) for row in versions),
        versions=[AuditGroup.model_validate(row, from_attributes=True) for row in versions],
        drift=[AuditGroup.model_validate(row, from_attributes=True) for row in drift],
    )
