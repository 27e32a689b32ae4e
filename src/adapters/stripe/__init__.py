"""The billing gateway over Stripe."""

from adapters.stripe.config import StripeConfig
from adapters.stripe.gateway import StripeBillingGateway

__all__ = ["StripeBillingGateway", "StripeConfig"]
