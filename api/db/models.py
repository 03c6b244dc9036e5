"""Import every table so `Base.metadata` is complete (Alembic autogenerate and `alembic check`)."""

from api.accounts.models import ConnectedAccount, OAuthState
from api.analytics.models import PredictionAudit
from api.auth.models import RefreshToken, User
from api.content.models import ContentDraft, DraftComment
from api.core.idempotency import IdempotentResponse
from api.core.ratelimit import RateLimitEvent
from api.db.base import Base
from api.generation.models import GenerationJob
from api.history.models import UserPost
from api.media.models import DraftMedia, MediaAsset, MediaBlob
from api.publishing.models import MetricPull, PostingSlot, PublishAttempt
from api.schedules.models import RecurringSchedule, ScheduleSlot
from api.templates.models import ContentTemplate
from api.voice.models import ToneAnalysis
from api.webhooks.models import Webhook, WebhookDelivery
from api.workspaces.models import ActivityEvent, Workspace, WorkspaceInvitation, WorkspaceMember

__all__ = [
    "ActivityEvent",
    "Base",
    "ConnectedAccount",
    "ContentDraft",
    "ContentTemplate",
    "DraftComment",
    "DraftMedia",
    "GenerationJob",
    "IdempotentResponse",
    "MediaAsset",
    "MediaBlob",
    "MetricPull",
    "OAuthState",
    "PostingSlot",
    "PredictionAudit",
    "PublishAttempt",
    "RateLimitEvent",
    "RecurringSchedule",
    "RefreshToken",
    "ScheduleSlot",
    "ToneAnalysis",
    "User",
    "UserPost",
    "Webhook",
    "WebhookDelivery",
    "Workspace",
    "WorkspaceInvitation",
    "WorkspaceMember",
]
