"""Which of a user's subscriptions the stored state follows, as webhook
events about them arrive late and out of order."""

from __future__ import annotations

from gemini_core.model import Subscription, SubscriptionStatus
from gemini_core.ports import SubscriptionSnapshot

# Statuses of a subscription that is over for good.
ENDED_STATUSES = frozenset(
    {SubscriptionStatus.NONE, SubscriptionStatus.CANCELED, SubscriptionStatus.INCOMPLETE_EXPIRED}
)


def supersedes(current: SubscriptionSnapshot, stored: Subscription) -> bool:
    """Whether the provider's ``current`` state replaces what is stored.

    The same subscription always does (it is the provider's latest word). A
    different one does unless it has ended while the stored one has not: a
    late event about a subscription the user cancelled before subscribing
    again must not take Pro away.
    """
    if stored.subscription_id in (None, current.subscription_id):
        return True
    return not (current.status in ENDED_STATUSES and stored.status not in ENDED_STATUSES)
