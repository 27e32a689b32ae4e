"""What a failed call to Gemini means: a ``Transient`` failure that the next
attempt may not repeat, or a final ``ModelError`` that says why."""

from __future__ import annotations

import httpx

from adapters.gemini import wire
from adapters.gemini.retry import (
    RETRYABLE_STATUSES,
    is_daily_quota,
    parse_retry_after,
    retry_info_delay,
)
from gemini_core.errors import ModelError

# Failures of the connection rather than of the request: the next attempt may
# well succeed. (UnsupportedProtocol, ProxyError and the like will not.)
TRANSPORT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

_API_KEY_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_EXPIRED"})

_TRANSIENT_REASONS = {
    408: "Gemini timed out (HTTP 408)",
    429: "Gemini is rate-limiting this server (HTTP 429)",
    500: "Gemini had an internal error (HTTP 500)",
    502: "Gemini could not be reached (HTTP 502)",
    503: "Gemini is overloaded right now (HTTP 503)",
    504: "Gemini timed out (HTTP 504)",
}


class Transient(Exception):
    """One attempt failed in a way the next attempt may not. Never leaves
    the adapter: the retry loop turns the last one into a ``ModelError``."""

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def http_failure(
    status: int, headers: httpx.Headers, content: bytes, model: str
) -> Transient | ModelError:
    """What an HTTP error response means; a ``Retry-After`` header is the
    wait hint when the body gave none."""
    failure = status_failure(status, wire.decode_error(content), model)
    if isinstance(failure, Transient) and failure.retry_after is None:
        hint = parse_retry_after(headers.get("retry-after"))
        if hint is not None:
            failure.retry_after = hint
    return failure


def status_failure(
    status: int, error: wire.ErrorStatus | None, model: str
) -> Transient | ModelError:
    """What an HTTP error status (or an ``error`` sent inside the stream) means."""
    details = error.details if error is not None else []
    if status == 429 and is_daily_quota(details):
        return ModelError("the Gemini daily quota is used up")
    if status in RETRYABLE_STATUSES:
        return Transient(
            _TRANSIENT_REASONS.get(status, f"Gemini failed (HTTP {status})"),
            status=status,
            retry_after=retry_info_delay(details),
        )
    if status in (401, 403) or any(detail.reason in _API_KEY_REASONS for detail in details):
        # An invalid key is a 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID.
        return ModelError("the Gemini API key was refused")
    if status == 404:
        return ModelError(f"the model {model} does not exist")
    message = _clip(error.message) if error is not None and error.message else None
    if status == 400:
        return ModelError(
            f"Gemini rejected the request: {message}" if message else "Gemini rejected the request",
        )
    return ModelError(f"Gemini answered with an unexpected error (HTTP {status})")


def transport_failure(exc: Exception) -> Transient:
    """One of ``TRANSPORT_ERRORS``, said plainly."""
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        reason = "could not connect to Gemini in time"
    elif isinstance(exc, httpx.TimeoutException):
        reason = "Gemini stopped responding"
    elif isinstance(exc, httpx.ConnectError):
        reason = "could not connect to Gemini"
    else:
        reason = "the connection to Gemini broke off"
    return Transient(reason)


def deadline_error() -> ModelError:
    return ModelError("the model did not answer in time", retryable=True)


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
