"""What the Stripe adapter needs to be told."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class StripeConfig:
    """Keys, the Pro price and connection settings.

    ``api_base`` replaces Stripe's endpoint (stripe-mock, or a loopback server
    in tests); ``None`` means Stripe's own. The secrets are kept out of
    ``repr`` so a logged config does not leak them.
    """

    secret_key: str = field(repr=False)
    price_id: str
    webhook_secret: str = field(repr=False)
    api_base: str | None = None
    # Seconds a signed webhook stays acceptable (Stripe's own default).
    webhook_tolerance: int = 300
    # Seconds for each HTTP request to Stripe.
    timeout: float = 10.0
    # Retries the SDK makes on connection errors, 409 and 5xx, with backoff;
    # every POST carries an idempotency key, so a retry never doubles an effect.
    max_network_retries: int = 2

    def __post_init__(self) -> None:
        for name in ("secret_key", "price_id", "webhook_secret"):
            if not getattr(self, name).strip():
                raise ValueError(f"StripeConfig.{name} must not be empty")
        if self.webhook_tolerance <= 0:
            # The SDK treats a tolerance of 0 as "never expire", which would
            # let a captured webhook be replayed for ever.
            raise ValueError("StripeConfig.webhook_tolerance must be positive")
        if self.timeout <= 0:
            raise ValueError("StripeConfig.timeout must be positive")
        if self.max_network_retries < 0:
            raise ValueError("StripeConfig.max_network_retries must not be negative")
