"""Stripe's JSON objects, reduced to what the core needs.

Webhook payloads and retrieved subscriptions are decoded into small typed
Structs rather than read off the SDK's loosely typed objects, so a payload of
an unexpected shape fails loudly in one place. Unknown fields are ignored, so
Stripe adding fields never breaks parsing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from gemini_core.model import SubscriptionStatus
from gemini_core.ports.billing import BillingEvent, SubscriptionSnapshot

SUBSCRIPTION_EVENT_PREFIX = "customer.subscription."
CHECKOUT_COMPLETED = "checkout.session.completed"
INVOICE_EVENTS = frozenset({"invoice.paid", "invoice.payment_failed"})


class StripeObjectError(ValueError):
    """A Stripe object that cannot be reduced to what the core needs."""


class UnknownStatus(StripeObjectError):
    """A subscription status this server does not know (Stripe added one)."""


class _Ref(msgspec.Struct):
    """An expanded object where an id is usually found; only its id matters."""

    id: str


# A reference Stripe sends either as an id or (when expanded) as an object.
_IdOrObject = str | _Ref | None


class _SubscriptionItem(msgspec.Struct):
    current_period_end: int | None = None


class _SubscriptionItems(msgspec.Struct):
    data: list[_SubscriptionItem] = msgspec.field(default_factory=list)


class _Subscription(msgspec.Struct):
    id: str
    customer: str | _Ref
    status: str
    cancel_at_period_end: bool | None = False
    # Before API version 2025-03-31 the period lived on the subscription; since
    # then it lives on each item.
    current_period_end: int | None = None
    items: _SubscriptionItems | None = None
    metadata: dict[str, str] | None = None


class _CheckoutSession(msgspec.Struct):
    customer: _IdOrObject = None
    subscription: _IdOrObject = None
    client_reference_id: str | None = None
    metadata: dict[str, str] | None = None


class _SubscriptionDetails(msgspec.Struct):
    subscription: _IdOrObject = None
    metadata: dict[str, str] | None = None


class _InvoiceParent(msgspec.Struct):
    subscription_details: _SubscriptionDetails | None = None


class _Invoice(msgspec.Struct):
    customer: _IdOrObject = None
    # API version 2025-03-31 moved these under ``parent.subscription_details``.
    parent: _InvoiceParent | None = None
    subscription: _IdOrObject = None
    subscription_details: _SubscriptionDetails | None = None


class _EventData(msgspec.Struct):
    object: msgspec.Raw


class _Event(msgspec.Struct):
    id: str
    type: str
    created: int
    data: _EventData
    object: str = "event"


def parse_event(payload: bytes) -> BillingEvent:
    """Parse a (verified) webhook body; raises ``msgspec.DecodeError`` or
    ``StripeObjectError`` when it is not a Stripe event of a known shape."""
    event = msgspec.json.decode(payload, type=_Event)
    if event.object != "event":
        # A thin (v2) event notification, which this endpoint does not take.
        raise StripeObjectError(f"expected a snapshot event, got object {event.object!r}")
    raw = event.data.object
    if event.type.startswith(SUBSCRIPTION_EVENT_PREFIX):
        subscription = msgspec.json.decode(raw, type=_Subscription)
        try:
            snapshot: SubscriptionSnapshot | None = _snapshot(subscription)
        except UnknownStatus:
            # Still a sound event: the service reads the subscription afresh
            # and decides what an unknown status means.
            snapshot = None
        return BillingEvent(
            id=event.id,
            type=event.type,
            created=event.created,
            customer_id=_id(subscription.customer),
            subscription_id=subscription.id,
            user_id=_metadata_user_id(subscription.metadata),
            subscription=snapshot,
        )
    if event.type == CHECKOUT_COMPLETED:
        session = msgspec.json.decode(raw, type=_CheckoutSession)
        return BillingEvent(
            id=event.id,
            type=event.type,
            created=event.created,
            customer_id=_id(session.customer),
            subscription_id=_id(session.subscription),
            user_id=_user_id(session.client_reference_id) or _metadata_user_id(session.metadata),
        )
    if event.type in INVOICE_EVENTS:
        invoice = msgspec.json.decode(raw, type=_Invoice)
        details = invoice.parent.subscription_details if invoice.parent else None
        legacy = invoice.subscription_details
        return BillingEvent(
            id=event.id,
            type=event.type,
            created=event.created,
            customer_id=_id(invoice.customer),
            subscription_id=_id(details.subscription if details else None)
            or _id(invoice.subscription),
            user_id=_metadata_user_id(details.metadata if details else None)
            or _metadata_user_id(legacy.metadata if legacy else None),
        )
    return BillingEvent(id=event.id, type=event.type, created=event.created)


def snapshot_from_mapping(subscription: Mapping[str, Any]) -> SubscriptionSnapshot:
    """A subscription object (as a plain mapping) as the core's snapshot; raises
    ``msgspec.ValidationError`` or ``StripeObjectError`` on an unexpected shape."""
    return _snapshot(msgspec.convert(subscription, type=_Subscription))


def _snapshot(subscription: _Subscription) -> SubscriptionSnapshot:
    try:
        status = SubscriptionStatus(subscription.status)
    except ValueError:
        raise UnknownStatus(f"unknown subscription status {subscription.status!r}") from None
    if status is SubscriptionStatus.NONE:
        raise UnknownStatus("unknown subscription status 'none'")
    customer_id = _id(subscription.customer)
    if customer_id is None:
        raise StripeObjectError("the subscription names no customer")
    return SubscriptionSnapshot(
        subscription_id=subscription.id,
        customer_id=customer_id,
        status=status,
        current_period_end=_period_end(subscription),
        cancel_at_period_end=bool(subscription.cancel_at_period_end),
        user_id=_metadata_user_id(subscription.metadata),
    )


def _period_end(subscription: _Subscription) -> datetime | None:
    ends = [
        item.current_period_end
        for item in (subscription.items.data if subscription.items else [])
        if item.current_period_end is not None
    ]
    # The Pro subscription has one item; were there several, access lasts
    # until the last of their periods ends.
    end = max(ends) if ends else subscription.current_period_end
    return datetime.fromtimestamp(end, tz=UTC) if end is not None else None


def _id(ref: _IdOrObject) -> str | None:
    if ref is None or isinstance(ref, str):
        return ref or None
    return ref.id


def _metadata_user_id(metadata: dict[str, str] | None) -> uuid.UUID | None:
    return _user_id(metadata.get("user_id")) if metadata else None


def _user_id(value: str | None) -> uuid.UUID | None:
    # Someone else's metadata (or a hand-made object in the dashboard) may hold
    # anything; what is not one of our ids is treated as absent.
    if not value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
