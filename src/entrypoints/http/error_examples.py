"""An example error envelope for each error status an operation documents:
the core's own errors (their codes and messages) where the server raises
them, so the examples say what a client will really read."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from entrypoints.http import fields as f
from entrypoints.http.limits import (
    DEFAULT_MAX_BODY,
    MESSAGE_MAX_BODY,
    STRIPE_WEBHOOK_MAX_BODY,
    describe,
)
from entrypoints.http.schemas import ErrorBody, ErrorEnvelope
from gemini_core import errors as domain
from gemini_core.services.chat import MAX_ROOMS_PER_USER
from gemini_core.services.streams import MAX_EVENT_STREAMS_PER_USER

_BAD_NUMBER = domain.ValidationFailed.for_field(
    "mobile_number", "is not a valid phone number; use the international form, e.g. +919876543210"
)
_BAD_ROOM_ID = domain.ValidationFailed.for_field("chatroom_id", "must be a UUID")
_NO_TOKEN = domain.Unauthorized("an Authorization: Bearer token is required")
_NO_ROOM = domain.NotFound("chatroom not found")
_STREAMS = domain.TooManyStreams(MAX_EVENT_STREAMS_PER_USER)
_QUOTA = domain.QuotaExceeded(
    retry_after=3600, details={"limit": 5, "used": 5, "resets_at": f.QUOTA_RESETS_AT}
)

# What each status answers unless the operation says otherwise.
_USUAL: Mapping[int, domain.DomainError] = {
    400: domain.ValidationFailed.for_field("name", "must not be empty"),
    401: _NO_TOKEN,
    403: domain.RecentCodeLoginRequired(),
    404: domain.NotFound(),
    409: domain.Conflict(),
    429: domain.RateLimited(retry_after=60),
    502: domain.BillingError(),
    503: domain.ServiceUnavailable(),
}
_ROOM = {400: _BAD_ROOM_ID, 404: _NO_ROOM}
_BILLING = {409: domain.AlreadySubscribed(), 503: domain.BillingUnavailable()}
_BY_OPERATION: Mapping[str, Mapping[int, domain.DomainError]] = {
    "POST /auth/signup": {400: _BAD_NUMBER, 409: domain.MobileTaken()},
    "POST /auth/send-otp": {400: _BAD_NUMBER},
    "POST /auth/forgot-password": {400: _BAD_NUMBER},
    "POST /auth/verify-otp": {400: domain.InvalidOtp()},
    "POST /auth/reset-password": {400: domain.InvalidOtp()},
    "POST /auth/login": {400: _BAD_NUMBER, 401: domain.InvalidCredentials()},
    "POST /auth/change-password": {400: domain.WrongPassword()},
    "GET /chatroom": {
        400: domain.ValidationFailed.for_field("cursor", "is not a cursor this API issued")
    },
    "POST /chatroom": {409: domain.RoomLimitReached(MAX_ROOMS_PER_USER)},
    "GET /chatroom/{room_id}": _ROOM,
    "PATCH /chatroom/{room_id}": _ROOM,
    "DELETE /chatroom/{room_id}": _ROOM,
    "GET /chatroom/{room_id}/messages": _ROOM,
    "POST /chatroom/{room_id}/message": {
        **_ROOM,
        400: domain.ValidationFailed.for_field("content", "must not be empty"),
        429: _QUOTA,
    },
    "GET /chatroom/{room_id}/events": {
        **_ROOM,
        429: _STREAMS,
        503: domain.StreamCapacityReached(),
    },
    "POST /chatroom/{room_id}/message/{reply_id}/cancel": {
        **_ROOM,
        404: domain.NotFound("message not found"),
        409: domain.ReplyFinal(details={"status": "completed"}),
    },
    "GET /chatroom/{room_id}/message/{message_id}": {
        **_ROOM,
        404: domain.NotFound("message not found"),
    },
    "POST /chatroom/{room_id}/message/{reply_id}/regenerate": {
        **_ROOM,
        404: domain.NotFound("message not found"),
        409: domain.ReplyPending(),
        429: _QUOTA,
    },
    "PATCH /chatroom/{room_id}/message/{message_id}": {
        **_ROOM,
        400: domain.ValidationFailed.for_field("content", "must not be empty"),
        404: domain.NotFound("message not found"),
        409: domain.NotLatest(),
        429: _QUOTA,
    },
    "GET /search": {400: domain.ValidationFailed.for_field("q", "must not be empty")},
    "GET /chatroom/{room_id}/export": _ROOM,
    "POST /subscribe/pro": _BILLING,
    "POST /subscribe/portal": {**_BILLING, 409: domain.NoBillingAccount()},
    "POST /webhook/stripe": {400: domain.InvalidSignature(), 503: domain.BillingUnavailable()},
    "GET /health/ready": {
        503: domain.ServiceUnavailable(
            "a backing service is unavailable",
            details={"checks": {"database": "ok", "redis": "unavailable: Redis is unavailable"}},
        )
    },
}
_BODY_LIMITS: Mapping[str, int] = {
    "POST /chatroom/{room_id}/message": MESSAGE_MAX_BODY,
    "PATCH /chatroom/{room_id}/message/{message_id}": MESSAGE_MAX_BODY,
    "POST /webhook/stripe": STRIPE_WEBHOOK_MAX_BODY,
}


def error_example(operation: str, status: int) -> Any | None:
    """The example envelope (JSON types) of ``operation``'s ``status``
    answer, e.g. ``error_example("POST /auth/signup", 409)``."""
    if status == 413:
        limit = describe(_BODY_LIMITS.get(operation, DEFAULT_MAX_BODY))
        body = ErrorBody(
            code="payload_too_large",
            message=f"the request body is too large (the limit on this route is {limit})",
        )
        return _json(ErrorEnvelope(error=body))
    error = _BY_OPERATION.get(operation, {}).get(status) or _USUAL.get(status)
    if error is None:
        return None
    return _json(
        ErrorEnvelope(
            error=ErrorBody(code=error.code, message=error.message, details=error.details)
        )
    )


def _json(envelope: ErrorEnvelope) -> Any:
    return msgspec.to_builtins(envelope)
