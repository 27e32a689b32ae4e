"""The domain model: plain data plus the rules that belong to it."""

from gemini_core.model.billing import Subscription, SubscriptionStatus, Tier
from gemini_core.model.chat import Chatroom, Message, MessageStatus, ReplyOutcome, Role
from gemini_core.model.otp import OtpChallenge, OtpPurpose
from gemini_core.model.quota import DailyCounts, Quota
from gemini_core.model.users import User

__all__ = [
    "Chatroom",
    "DailyCounts",
    "Message",
    "MessageStatus",
    "OtpChallenge",
    "OtpPurpose",
    "Quota",
    "ReplyOutcome",
    "Role",
    "Subscription",
    "SubscriptionStatus",
    "Tier",
    "User",
]
