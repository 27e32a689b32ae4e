"""One hierarchy of domain errors, each with a stable machine code.

The HTTP layer maps these to status codes; the core never knows about HTTP.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error the core raises on purpose."""

    code: str = "domain_error"
    default_message: str = "the request could not be completed"

    def __init__(self, message: str | None = None, *, details: Any = None) -> None:
        self.message = message or self.default_message
        self.details = details
        super().__init__(self.message)


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a domain rule (e.g. a weak password)."""

    code = "validation_error"
    default_message = "the request is not valid"

    @classmethod
    def for_field(cls, field: str, problem: str) -> ValidationFailed:
        """The error for one bad field, named in ``details`` as the API promises."""
        return cls(f"{field} {problem}", details={"fields": [{"field": field, "message": problem}]})


class NotFound(DomainError):
    """The thing does not exist, or belongs to someone else (no existence leak)."""

    code = "not_found"
    default_message = "not found"


class Conflict(DomainError):
    code = "conflict"
    default_message = "the request conflicts with the current state"


class MobileTaken(Conflict):
    code = "mobile_taken"
    default_message = "an account with this mobile number already exists"


class AlreadySubscribed(Conflict):
    code = "already_subscribed"
    default_message = "you already have an active Pro subscription"


class NoBillingAccount(Conflict):
    """The user has never started a checkout, so there is no customer whose
    portal could be opened (409: subscribe first)."""

    code = "no_billing_account"
    default_message = "you have no billing account yet; subscribe with POST /subscribe/pro first"


class Unauthorized(DomainError):
    code = "unauthorized"
    default_message = "authentication is required"


class InvalidCredentials(Unauthorized):
    """Wrong mobile number or password; deliberately says not which."""

    code = "invalid_credentials"
    default_message = "the mobile number or password is wrong"


class InvalidOtp(DomainError):
    code = "invalid_otp"
    default_message = "the code is wrong, expired or already used"


class RateLimited(DomainError):
    """Too many attempts in a window; ``retry_after`` is in whole seconds."""

    code = "rate_limited"
    default_message = "too many attempts, try again later"

    def __init__(
        self, message: str | None = None, *, retry_after: int, details: Any = None
    ) -> None:
        super().__init__(message, details=details)
        self.retry_after = max(1, retry_after)


class QuotaExceeded(RateLimited):
    code = "quota_exceeded"
    default_message = "you have used all of today's prompts"


class BillingUnavailable(DomainError):
    code = "billing_unavailable"
    default_message = "billing is not configured on this server"


class BillingError(DomainError):
    code = "billing_error"
    default_message = "the payment provider refused the request"


class InvalidSignature(DomainError):
    code = "invalid_signature"
    default_message = "the webhook signature is missing or invalid"


class ServiceUnavailable(DomainError):
    """A backing service (database, cache, queue) does not answer right now."""

    code = "service_unavailable"
    default_message = "a backing service is unavailable, try again shortly"


class ModelError(DomainError):
    """The chat model could not produce a reply.

    ``retryable`` tells the caller whether the same request might succeed later.
    """

    code = "model_error"
    default_message = "the model could not answer"

    def __init__(self, message: str | None = None, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.retryable = retryable


class ModelRefused(ModelError):
    """The model declined to answer (a blocked prompt); retrying will not help."""

    code = "model_refused"
    default_message = "the model declined to answer this prompt"


class ModelUnavailable(ModelError):
    """The model has been failing and this process is not calling it for a
    while (its circuit breaker is open); a later prompt may well succeed."""

    code = "model_unavailable"
    default_message = "the model is unavailable; try again shortly"

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message, retryable=True)
