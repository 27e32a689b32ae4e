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
    """The request is valid but the current state forbids it; base of the
    errors a caller fixes by changing that state first."""

    code = "conflict"
    default_message = "the request conflicts with the current state"


class MobileTaken(Conflict):
    """A signup names a mobile number that an account already uses."""

    code = "mobile_taken"
    default_message = "an account with this mobile number already exists"


class AlreadySubscribed(Conflict):
    """A checkout was asked for while the user already has Pro, or a
    subscription whose failed payment should be fixed instead."""

    code = "already_subscribed"
    default_message = "you already have an active Pro subscription"


class NoBillingAccount(Conflict):
    """The user has never started a checkout, so there is no customer whose
    portal could be opened: subscribe first."""

    code = "no_billing_account"
    default_message = "you have no billing account yet; subscribe with POST /subscribe/pro first"


class RoomLimitReached(Conflict):
    """The user keeps as many chatrooms as one user may (delete one
    first); ``details`` carries the ``limit``."""

    code = "room_limit_reached"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"you have {limit} chatrooms, the most one account may keep; delete one to "
            "create another",
            details={"limit": limit},
        )


class ReplyFinal(Conflict):
    """The reply is already final (completed, failed or cancelled): there
    is nothing left to stop."""

    code = "reply_final"
    default_message = "the reply is already final"


class ReplyPending(Conflict):
    """The reply is still being written: stop it or wait for it first."""

    code = "reply_pending"
    default_message = "the reply is still being written; stop it or wait for it first"


class NotAReply(Conflict):
    """The id names a prompt where a reply is needed."""

    code = "not_a_reply"
    default_message = "this message is a prompt, not a reply"


class NotAPrompt(Conflict):
    """The id names a reply where a prompt is needed."""

    code = "not_a_prompt"
    default_message = "this message is a reply, not a prompt"


class NotLatest(Conflict):
    """Only the room's last prompt (and its reply) can be edited or asked again."""

    code = "not_latest"
    default_message = "only the room's last prompt and its reply can be changed"


class Unauthorized(DomainError):
    """No valid proof of identity: the access token is missing, invalid,
    expired or revoked, or its user no longer exists."""

    code = "unauthorized"
    default_message = "authentication is required"


class InvalidCredentials(Unauthorized):
    """Wrong mobile number or password; deliberately says not which."""

    code = "invalid_credentials"
    default_message = "the mobile number or password is wrong"


class WrongPassword(DomainError):
    """The current password given to confirm a change is wrong. Not an
    ``Unauthorized``: the session is fine, only this proof failed."""

    code = "wrong_password"
    default_message = "the current password is wrong"

    def __init__(self, field: str = "current_password") -> None:
        super().__init__(details={"fields": [{"field": field, "message": "is wrong"}]})


class Forbidden(DomainError):
    """The caller is authenticated but this needs more proof than they gave."""

    code = "forbidden"
    default_message = "this needs more proof of who you are"


class RecentCodeLoginRequired(Forbidden):
    """A first password needs a token from a code login of the last minutes,
    so a stolen token cannot be turned into a lasting password."""

    code = "recent_code_login_required"
    default_message = (
        "setting a first password needs a recent login by code: log in again "
        "with a new code (send-otp, verify-otp) and use that token"
    )


class InvalidOtp(DomainError):
    """The one-time code does not match a live challenge: wrong, expired,
    already used or past its wrong tries; deliberately says not which."""

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


class SignupPending(RateLimited):
    """A signup of this number is waiting for its code: another may start
    only once that code has expired."""

    code = "signup_pending"
    default_message = (
        "a signup of this number is waiting for its code; use that code, "
        "or try again when it has expired"
    )


class QuotaExceeded(RateLimited):
    """The user's prompts for today are used up; ``retry_after`` runs to
    the quota's reset and nothing of the prompt was stored."""

    code = "quota_exceeded"
    default_message = "you have used all of today's prompts"


class TokenBudgetExhausted(RateLimited):
    """The tokens the user's replies used today have reached their tier's
    daily budget; ``retry_after`` runs to the day's reset and nothing of
    the prompt was stored."""

    code = "token_budget_exhausted"
    default_message = "your replies have used all of today's tokens"


class TooManyStreams(RateLimited):
    """The user already holds as many live event streams open as allowed;
    ``details`` carries the ``limit``."""

    code = "too_many_streams"

    def __init__(self, limit: int) -> None:
        super().__init__(
            f"you already have {limit} event streams open; close one before opening another",
            retry_after=5,
            details={"limit": limit},
        )


class BillingUnavailable(DomainError):
    """Billing was asked for on a server with no billing gateway configured."""

    code = "billing_unavailable"
    default_message = "billing is not configured on this server"


class BillingError(DomainError):
    """The payment provider could not be reached or refused a request;
    ``details`` carries what the provider said."""

    code = "billing_error"
    default_message = "the payment provider refused the request"


class UnsupportedBillingState(BillingError):
    """The provider reports a state this server does not know (e.g. a
    subscription status added after this release). A webhook event that
    leads to one is acknowledged and left unapplied, with a warning."""

    code = "unsupported_billing_state"
    default_message = "the payment provider reported a state this server does not know"


class InvalidSignature(DomainError):
    """A webhook payload is unsigned, badly signed or not a usable event,
    so it cannot be trusted as the provider's word."""

    code = "invalid_signature"
    default_message = "the webhook signature is missing or invalid"


class ServiceUnavailable(DomainError):
    """A backing service (database, cache, queue) does not answer right now."""

    code = "service_unavailable"
    default_message = "a backing service is unavailable, try again shortly"


class EventStreamLost(ServiceUnavailable):
    """A live event stream could not be kept whole (its reader fell too far
    behind, or the process's subscription to events broke) and was ended:
    reconnect, and catch up with the id of the last event received."""

    code = "stream_lost"
    default_message = "the event stream fell behind or lost its subscription; reconnect"


class StreamCapacityReached(ServiceUnavailable):
    """This API process holds as many live event streams as it may; another
    process (or this one, shortly) can take the stream."""

    code = "stream_capacity_reached"
    default_message = "this server holds as many event streams as it can; try again shortly"


class ModelError(DomainError):
    """The chat model could not produce a reply (the adapter has already
    retried whatever was worth retrying). ``retryable`` says the model looked
    unavailable (timeouts, 5xx and 429s past the retries), so the same request
    may well succeed later; the model's circuit breaker counts only those."""

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
