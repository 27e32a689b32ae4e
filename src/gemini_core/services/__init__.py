"""Use cases: small classes that take the ports they need."""

from gemini_core.services.auth import AuthService, Principal, Session, SignupStarted
from gemini_core.services.billing import BillingService
from gemini_core.services.cancellation import CancelService, ReplyStops
from gemini_core.services.chat import ChatService, PromptAccepted, RoomList
from gemini_core.services.export import ConversationExport, ExportStart
from gemini_core.services.health import ReadinessReport, ReadinessService, WorkersAlive
from gemini_core.services.model_breaker import ModelBreaker
from gemini_core.services.otp_codes import OtpIssued
from gemini_core.services.quota import QuotaService
from gemini_core.services.replies import ReplyService
from gemini_core.services.reply_failer import ReplyFailer
from gemini_core.services.reply_versions import ReplyVersions
from gemini_core.services.search import SearchHit, SearchResults, SearchService
from gemini_core.services.streams import EventStreams, LiveStream, StreamEvent
from gemini_core.services.sweep import ReplySweeper
from gemini_core.services.tiers import TierService
from gemini_core.services.titles import RoomTitler
from gemini_core.services.waiting import ReplyWatcher

__all__ = [
    "AuthService",
    "BillingService",
    "CancelService",
    "ChatService",
    "ConversationExport",
    "EventStreams",
    "ExportStart",
    "LiveStream",
    "ModelBreaker",
    "OtpIssued",
    "Principal",
    "PromptAccepted",
    "QuotaService",
    "ReadinessReport",
    "ReadinessService",
    "ReplyFailer",
    "ReplyService",
    "ReplyStops",
    "ReplySweeper",
    "ReplyVersions",
    "ReplyWatcher",
    "RoomList",
    "RoomTitler",
    "SearchHit",
    "SearchResults",
    "SearchService",
    "Session",
    "SignupStarted",
    "StreamEvent",
    "TierService",
    "WorkersAlive",
]
