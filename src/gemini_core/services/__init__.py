"""Use cases: small classes that take the ports they need."""

from gemini_core.services.auth import AuthService, OtpIssued, Session
from gemini_core.services.billing import BillingService
from gemini_core.services.billing_tier import TierReader
from gemini_core.services.chat import ChatService, PromptAccepted
from gemini_core.services.quota import QuotaService
from gemini_core.services.replies import ReplyService

__all__ = [
    "AuthService",
    "BillingService",
    "ChatService",
    "OtpIssued",
    "PromptAccepted",
    "QuotaService",
    "ReplyService",
    "Session",
    "TierReader",
]
