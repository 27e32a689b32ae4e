"""``BillingGateway`` over the official Stripe SDK, using its async methods."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Iterator

import msgspec
import stripe

from adapters.stripe.config import StripeConfig
from adapters.stripe.events import (
    StripeObjectError,
    UnknownStatus,
    parse_event,
    snapshot_from_mapping,
)
from gemini_core.errors import BillingError, InvalidSignature, UnsupportedBillingState
from gemini_core.model import User
from gemini_core.ports.billing import BillingEvent, CheckoutSession, SubscriptionSnapshot


class StripeBillingGateway:
    """Customers, Checkout, the customer portal, subscriptions and webhooks.

    Every API error surfaces as ``BillingError``; every problem with a webhook
    as ``InvalidSignature``. Call ``aclose`` when done to release connections.
    """

    def __init__(self, config: StripeConfig) -> None:
        # The SDK logs request and response bodies (a customer's phone
        # number among them) at DEBUG: LOG_LEVEL=DEBUG must not log those.
        sdk_log = logging.getLogger("stripe")
        if sdk_log.level < logging.INFO:
            sdk_log.setLevel(logging.INFO)
        self._config = config
        self._http_client = stripe.HTTPXClient(timeout=config.timeout)
        self._client = stripe.StripeClient(
            config.secret_key,
            base_addresses={"api": config.api_base.rstrip("/")} if config.api_base else None,
            http_client=self._http_client,
            max_network_retries=config.max_network_retries,
        )

    async def aclose(self) -> None:
        await self._http_client.close_async()  # type: ignore[no-untyped-call]

    async def create_customer(self, user: User) -> str:
        with self._stripe_errors("create a customer"):
            customer = await self._client.v1.customers.create_async(
                {
                    "phone": user.mobile_number,
                    "metadata": {"user_id": str(user.id)},
                },
                # Concurrent or retried calls for one user make one customer
                # (Stripe keeps idempotency keys for at least 24 hours).
                {"idempotency_key": f"customer-{user.id}"},
            )
        return customer.id

    async def create_checkout_session(
        self,
        *,
        customer_id: str,
        user_id: uuid.UUID,
        success_url: str,
        cancel_url: str,
        idempotency_key: str,
    ) -> CheckoutSession:
        user = str(user_id)
        with self._stripe_errors("start a checkout"):
            session = await self._client.v1.checkout.sessions.create_async(
                {
                    "mode": "subscription",
                    "line_items": [{"price": self._config.price_id, "quantity": 1}],
                    "customer": customer_id,
                    "client_reference_id": user,
                    # On the subscription so every later event carries the user.
                    "subscription_data": {"metadata": {"user_id": user}},
                    "metadata": {"user_id": user},
                    "success_url": success_url,
                    "cancel_url": cancel_url,
                },
                {"idempotency_key": idempotency_key},
            )
        if not session.url:
            raise BillingError("Stripe returned a Checkout Session without a URL")
        return CheckoutSession(id=session.id, url=session.url)

    async def create_portal_session(self, *, customer_id: str, return_url: str) -> str:
        with self._stripe_errors("open the customer portal"):
            session = await self._client.v1.billing_portal.sessions.create_async(
                {"customer": customer_id, "return_url": return_url}
            )
        return session.url

    def parse_webhook(self, payload: bytes, signature_header: str | None) -> BillingEvent:
        if not signature_header:
            raise InvalidSignature("the Stripe-Signature header is missing")
        try:
            stripe.WebhookSignature.verify_header(
                payload,
                signature_header,
                self._config.webhook_secret,
                self._config.webhook_tolerance,
            )
        except stripe.SignatureVerificationError as exc:
            raise InvalidSignature(
                f"the webhook signature is invalid: {exc.user_message}"
            ) from None
        except (ValueError, TypeError):
            # A body that is not UTF-8, or a header with non-ASCII signatures.
            raise InvalidSignature("the webhook signature is invalid") from None
        try:
            return parse_event(payload)
        except RecursionError:
            raise InvalidSignature("the webhook payload is nested too deeply") from None
        except (msgspec.MsgspecError, StripeObjectError) as exc:
            raise InvalidSignature(f"the webhook payload is not a usable event: {exc}") from None

    async def fetch_subscription(self, subscription_id: str) -> SubscriptionSnapshot:
        if not subscription_id:
            raise BillingError("no subscription id was given")
        with self._stripe_errors("fetch the subscription"):
            subscription = await self._client.v1.subscriptions.retrieve_async(subscription_id)
        try:
            return snapshot_from_mapping(subscription.to_dict())
        except UnknownStatus as exc:
            raise UnsupportedBillingState(
                f"Stripe reports subscription {subscription_id} in a state this server "
                f"does not know: {exc}"
            ) from exc
        except (msgspec.MsgspecError, StripeObjectError) as exc:
            raise BillingError(
                f"Stripe returned a subscription this server cannot read: {exc}"
            ) from exc

    @contextlib.contextmanager
    def _stripe_errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except stripe.StripeError as exc:
            raise self._billing_error(exc, action) from exc

    def _billing_error(self, exc: stripe.StripeError, action: str) -> BillingError:
        details = {
            "stripe_error": type(exc).__name__,
            "stripe_code": exc.code,
            "http_status": exc.http_status,
            "request_id": exc.request_id,
        }
        if isinstance(exc, stripe.APIConnectionError):
            return BillingError(
                f"could not reach Stripe to {action}; try again shortly", details=details
            )
        if isinstance(exc, stripe.AuthenticationError | stripe.PermissionError):
            return BillingError(
                f"Stripe did not accept this server's API key (could not {action})",
                details=details,
            )
        message = f"Stripe could not {action}"
        if exc.user_message:
            # Stripe masks keys in its messages; this is belt and braces.
            message += ": " + exc.user_message.replace(self._config.secret_key, "[secret key]")
        return BillingError(message, details=details)
