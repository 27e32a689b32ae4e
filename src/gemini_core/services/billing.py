"""BillingService: Pro checkout, the customer portal and the provider's webhooks.

The provider's webhooks are the source of truth for the tier: checkout only
hands out a payment page, and nothing here grants Pro until a verified event
says the subscription is active. The tier travels with the cached user (read
with the stored subscription); a webhook that changes the subscription holds
that entry before it commits, so every process reads the new tier at once.
"""

from __future__ import annotations

import logging
import uuid

import msgspec

from gemini_core.errors import (
    AlreadySubscribed,
    BillingUnavailable,
    NoBillingAccount,
    UnsupportedBillingState,
)
from gemini_core.model import Subscription, SubscriptionStatus, Tier, User
from gemini_core.ports import (
    BillingEvent,
    BillingGateway,
    CheckoutSession,
    Clock,
    UnitOfWork,
    UnitOfWorkFactory,
    UserCache,
)
from gemini_core.services.subscription_order import supersedes

logger = logging.getLogger(__name__)

# The webhook events that can change a subscription; any other type is
# acknowledged and ignored.
HANDLED_EVENTS = frozenset(
    {
        "checkout.session.completed",
        "customer.subscription.created",
        "customer.subscription.updated",
        "customer.subscription.deleted",
        "invoice.paid",
        "invoice.payment_failed",
    }
)

# Checkout's idempotency key changes every this many seconds. Within a window a
# double click (or a client retry) gets the very same Checkout Session back
# from the provider; across windows a returning user gets a fresh session
# rather than a replay of one they may have abandoned or that has expired
# (sessions live 24 h, and Stripe keeps keys for at least 24 h, so a key must
# not be reused for longer than that anyway).
CHECKOUT_KEY_WINDOW_SECONDS = 600

# Statuses of a subscription that still exists and bills: a new checkout
# would make a second one, so the user is sent to the portal instead.
_BILLING_STATUSES = frozenset({SubscriptionStatus.PAST_DUE, SubscriptionStatus.UNPAID})


class BillingService:
    """Checkout, the customer portal and webhook events.

    ``gateway`` is ``None`` when billing is not configured: every call then
    raises ``BillingUnavailable``. ``public_url`` is the base of the URLs the
    provider sends the browser back to.
    """

    def __init__(
        self,
        *,
        uow: UnitOfWorkFactory,
        gateway: BillingGateway | None,
        clock: Clock,
        public_url: str,
        user_cache: UserCache,
    ) -> None:
        self._uow = uow
        self._user_cache = user_cache
        self._gateway = gateway
        self._clock = clock
        self._public_url = public_url.rstrip("/")

    # -- checkout and portal ------------------------------------------------

    @property
    def unavailable_reason(self) -> str | None:
        """Why checkout and the portal cannot work here (the message their
        refusal would carry), or None when billing is configured; lets a
        client disable its upgrade button before anyone presses it."""
        return BillingUnavailable().message if self._gateway is None else None

    async def start_checkout(self, user: User) -> CheckoutSession:
        """A Checkout Session for the Pro price.

        Raises ``AlreadySubscribed`` while the stored subscription grants Pro
        (or still bills, past due: the portal is where to fix that),
        ``BillingUnavailable`` without a gateway and ``BillingError`` when the
        provider refuses.
        """
        gateway = self._require_gateway()
        async with self._uow(autocommit=True) as uow:
            stored = await uow.subscriptions.get(user.id)
        if stored is not None:
            if stored.tier(self._clock.now()) is Tier.PRO:
                raise AlreadySubscribed()
            if stored.status in _BILLING_STATUSES:
                raise AlreadySubscribed(
                    "your subscription's last payment failed; update your card in the "
                    "customer portal (POST /subscribe/portal) instead of subscribing again"
                )
        customer_id = stored.customer_id if stored is not None else None
        if customer_id is None:
            customer_id = await self._remember_customer(
                user.id, await gateway.create_customer(user)
            )
        return await gateway.create_checkout_session(
            customer_id=customer_id,
            user_id=user.id,
            success_url=f"{self._public_url}/subscribe/success?session_id={{CHECKOUT_SESSION_ID}}",
            cancel_url=f"{self._public_url}/subscribe/cancel",
            idempotency_key=self._checkout_key(user.id, customer_id, stored),
        )

    async def portal_url(self, user: User) -> str:
        """A URL of the provider's customer portal, where the user cancels or
        changes their card. ``NoBillingAccount`` before any checkout."""
        gateway = self._require_gateway()
        async with self._uow(autocommit=True) as uow:
            stored = await uow.subscriptions.get(user.id)
        if stored is None or stored.customer_id is None:
            raise NoBillingAccount()
        return await gateway.create_portal_session(
            customer_id=stored.customer_id, return_url=f"{self._public_url}/subscribe/return"
        )

    def _checkout_key(
        self, user_id: uuid.UUID, customer_id: str, stored: Subscription | None
    ) -> str:
        # The key also names the last webhook state we applied, so a user who
        # subscribes, cancels and subscribes again within one window gets a
        # new session instead of a replay of the completed one.
        window = int(self._clock.now().timestamp()) // CHECKOUT_KEY_WINDOW_SECONDS
        version = stored.event_created if stored is not None else 0
        return f"checkout-{user_id}-{customer_id}-{version}-{window}"

    async def _remember_customer(self, user_id: uuid.UUID, created: str) -> str:
        """Store the provider's customer id on the user's subscription row.
        A concurrent call may have stored one first; that one is kept (the
        gateway's per-user idempotency makes it the same customer anyway)."""
        async with self._uow() as uow:
            stored = await uow.subscriptions.get_for_update(user_id)
            if stored is not None and stored.customer_id is not None:
                return stored.customer_id
            base = stored or Subscription(user_id=user_id)
            await uow.subscriptions.save(msgspec.structs.replace(base, customer_id=created))
            await uow.commit()
        return created

    # -- webhooks -----------------------------------------------------------

    async def handle_webhook(self, payload: bytes, signature: str | None) -> None:
        """Verify and apply one webhook delivery.

        ``InvalidSignature`` (and no change at all) for a missing or bad
        signature, a stale timestamp or an unusable payload. A sound event
        whose subscription is in a state this server does not know is
        acknowledged, logged and not applied. Each event id is
        applied at most once: its processed-events row is written in the same
        transaction as its effect, so a failure while applying it rolls both
        back and the provider's retry applies it afresh.
        """
        gateway = self._require_gateway()
        event = gateway.parse_webhook(payload, signature)
        if event.type not in HANDLED_EVENTS:
            logger.debug("ignoring webhook event %s of type %s", event.id, event.type)
            return
        try:
            async with self._uow() as uow:
                if not await uow.processed_events.add(event.id, self._clock.now()):
                    logger.info("webhook event %s was already applied", event.id)
                    return
                changed = await self._apply(uow, gateway, event)
                if changed is not None:
                    # Before the commit, so no reader caches the old tier; Redis
                    # down fails the event (retried) rather than leave it stale.
                    await self._user_cache.hold(changed)
                await uow.commit()
        except UnsupportedBillingState as exc:
            # Signed and sound, only newer than this server: a retry would
            # not help, so it is acknowledged; the stored state stays as it
            # was until an event with a known state arrives.
            logger.warning(
                "webhook event %s (%s) acknowledged but not applied: %s",
                event.id,
                event.type,
                exc.message,
            )

    async def _apply(
        self, uow: UnitOfWork, gateway: BillingGateway, event: BillingEvent
    ) -> uuid.UUID | None:
        """Apply the event; the user whose subscription state it changed, if any."""
        stored = await self._locked_subscription(uow, event)
        if stored is None:
            return None
        if event.subscription_id is None:
            # E.g. a completed checkout whose subscription is not made yet:
            # keep the customer, the subscription's own events follow.
            if stored.customer_id is None and event.customer_id is not None:
                await uow.subscriptions.save(
                    msgspec.structs.replace(stored, customer_id=event.customer_id)
                )
            return None
        # Events arrive late, twice and out of order, and their snapshots may be
        # stale; the provider's current state is the same whatever the order,
        # so every event just re-reads it. A failure here (the provider is
        # down) raises, rolls back, and the provider retries the event.
        current = await gateway.fetch_subscription(event.subscription_id)
        if not supersedes(current, stored):
            logger.info(
                "webhook event %s is about ended subscription %s, not the current %s",
                event.id,
                current.subscription_id,
                stored.subscription_id,
            )
            return None
        await uow.subscriptions.save(
            Subscription(
                user_id=stored.user_id,
                status=current.status,
                customer_id=stored.customer_id or current.customer_id,
                subscription_id=current.subscription_id,
                current_period_end=current.current_period_end,
                cancel_at_period_end=current.cancel_at_period_end,
                event_created=max(stored.event_created, event.created),
            )
        )
        logger.info(
            "subscription of user %s is now %s (event %s, %s)",
            stored.user_id,
            current.status.value,
            event.id,
            event.type,
        )
        return stored.user_id

    async def _locked_subscription(
        self, uow: UnitOfWork, event: BillingEvent
    ) -> Subscription | None:
        """The stored subscription of the event's user, row-locked (made if
        missing); None when the event names none of our users."""
        user_id = await self._find_user(uow, event)
        if user_id is None:
            # Not one of our users (e.g. a customer made in the dashboard):
            # acknowledged, so the provider stops sending it.
            logger.warning("webhook event %s (%s) names no known user", event.id, event.type)
            return None
        # Lock the row first: concurrent events of one user then apply one
        # after the other, each reading the provider's state afresh.
        stored = await uow.subscriptions.get_for_update(user_id)
        if stored is not None:
            return stored
        if await uow.users.get(user_id) is None:
            logger.warning("webhook event %s names an unknown user %s", event.id, user_id)
            return None
        # Make (and so lock) the row before reading the provider's state.
        stored = Subscription(user_id=user_id)
        await uow.subscriptions.save(stored)
        return stored

    async def _find_user(self, uow: UnitOfWork, event: BillingEvent) -> uuid.UUID | None:
        if event.user_id is not None:
            return event.user_id
        if event.subscription is not None and event.subscription.user_id is not None:
            return event.subscription.user_id
        if event.customer_id is not None:
            found = await uow.subscriptions.find_by_customer(event.customer_id)
            if found is not None:
                return found.user_id
        return None

    def _require_gateway(self) -> BillingGateway:
        if self._gateway is None:
            raise BillingUnavailable()
        return self._gateway
