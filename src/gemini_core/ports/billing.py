"""Ports of billing: the payment provider and what we keep of its state."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Protocol

import msgspec

from gemini_core.model import Subscription, SubscriptionStatus, User


class SubscriptionRepository(Protocol):
    """What we keep of each user's subscription, inside a unit of work; at
    most one per user, and a provider customer id belongs to at most one."""

    async def get(self, user_id: uuid.UUID) -> Subscription | None:
        """The user's stored subscription; None when they never had one."""
        ...

    async def get_for_update(self, user_id: uuid.UUID) -> Subscription | None:
        """Like ``get``, but locks the row until the transaction ends (where
        the database can), so concurrent webhook events apply in turn."""
        ...

    async def find_by_customer(self, customer_id: str) -> Subscription | None:
        """The subscription of the provider's customer ``customer_id``, which
        is how a webhook event without our user id finds its user; None when
        no user has that customer."""
        ...

    async def save(self, subscription: Subscription) -> None:
        """Insert or replace the user's subscription state."""
        ...


class ProcessedEventRepository(Protocol):
    """The webhook events already applied, so a redelivered event changes
    nothing the second time."""

    async def add(self, event_id: str, received_at: datetime) -> bool:
        """Record a webhook event id; False when it was already recorded.
        Done in the same transaction as the event's effect."""
        ...


class CheckoutSession(msgspec.Struct, frozen=True):
    """A checkout started at the provider: its id and the page the user pays on."""

    id: str
    url: str


class SubscriptionSnapshot(msgspec.Struct, frozen=True, kw_only=True):
    """A subscription as the provider reports it."""

    subscription_id: str
    customer_id: str
    status: SubscriptionStatus
    current_period_end: datetime | None = None
    cancel_at_period_end: bool = False
    user_id: uuid.UUID | None = None


class BillingEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A verified webhook event, reduced to what the core needs."""

    id: str
    type: str
    created: int
    customer_id: str | None = None
    subscription_id: str | None = None
    user_id: uuid.UUID | None = None
    # The subscription object carried by customer.subscription.* events.
    subscription: SubscriptionSnapshot | None = None


class BillingGateway(Protocol):
    """The payment provider, whose webhooks are the source of truth. A call
    that reaches it raises ``BillingError`` when it cannot be reached or refuses."""

    async def create_customer(self, user: User) -> str:
        """Create the provider's customer for ``user``; returns its id.
        Idempotent per user."""
        ...

    async def create_checkout_session(
        self,
        *,
        customer_id: str,
        user_id: uuid.UUID,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
    ) -> CheckoutSession:
        """Start a subscription checkout for the customer, tagged with
        ``user_id`` so the resulting events name the user; a repeat with the
        same ``idempotency_key`` returns the same session, not a second one."""
        ...

    async def create_portal_session(self, *, customer_id: str, return_url: str) -> str:
        """A URL of the provider's customer portal."""
        ...

    def parse_webhook(self, payload: bytes, signature_header: str | None) -> BillingEvent:
        """Verify the signature on the raw body and parse the event; raises
        ``InvalidSignature`` on any problem."""
        ...

    async def fetch_subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        """The subscription's current state at the provider (its latest word,
        whatever events arrived out of order); ``UnsupportedBillingState`` when
        its status is one the core does not know."""
        ...
