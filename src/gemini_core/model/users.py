"""The user account."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec

from gemini_core.model.billing import SubscriptionStatus, Tier, tier_granted

USER_NAME_MAX = 100
EMAIL_MAX = 254


class User(msgspec.Struct, frozen=True, kw_only=True):
    """A person who logs in with their mobile number.

    ``token_version`` is stamped into every access token; bumping it (on a
    password change or reset) makes every older token fail at once.

    ``mobile_verified_at`` is when a code sent to the number was first used;
    until then the account is an unconfirmed signup, and the password given
    at signup waits in ``pending_password_hash``: only the code sent by that
    signup turns it into ``password_hash``.
    """

    id: uuid.UUID
    mobile_number: str
    name: str | None = None
    email: str | None = None
    password_hash: str | None = None
    token_version: int = 0
    created_at: datetime
    pending_password_hash: str | None = None
    mobile_verified_at: datetime | None = None
    # The stored subscription's status and period end, read with the user:
    # the tier travels with the cached user, so a prompt reads no
    # subscription. Webhooks, which alone change them, hold the cached entry.
    subscription_status: SubscriptionStatus = SubscriptionStatus.NONE
    subscription_period_end: datetime | None = None

    def tier(self, now: datetime) -> Tier:
        """The tier the user's subscription grants at ``now``."""
        return tier_granted(self.subscription_status, self.subscription_period_end, now)

    @property
    def is_verified(self) -> bool:
        """Whether a code sent to the number was ever used: only then is this
        a confirmed account rather than a pending signup."""
        return self.mobile_verified_at is not None
