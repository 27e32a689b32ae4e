"""One error envelope for every error, whatever produced it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from entrypoints.http.limits import describe
from entrypoints.http.observability import note_error_code
from entrypoints.http.rate_limit import rate_limit_headers
from entrypoints.http.schemas import ErrorBody, ErrorEnvelope
from gemini_core import errors as domain
from gemini_core.request_context import current_request_id

logger = logging.getLogger("gemini_clone.http")

# Domain error -> HTTP status. Subclasses resolve through the MRO, so a new
# error is mapped by its family unless it needs its own status.
_STATUS: dict[type[domain.DomainError], int] = {
    domain.ValidationFailed: 400,
    domain.InvalidOtp: 400,
    domain.InvalidSignature: 400,
    domain.WrongPassword: 400,
    domain.Unauthorized: 401,
    domain.Forbidden: 403,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.RateLimited: 429,
    domain.BillingError: 502,
    domain.BillingUnavailable: 503,
    domain.ServiceUnavailable: 503,
}

# Framework HTTP status -> our code, for errors that never touched the core.
_HTTP_CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "service_unavailable",
}


# What Litestar raises when the client disconnects while the body is read.
_CLIENT_GONE = "client disconnected prematurely"


def envelope(
    status: int,
    code: str,
    message: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> Response[ErrorEnvelope]:
    return Response(
        ErrorEnvelope(error=ErrorBody(code=code, message=message, details=details)),
        status_code=status,
        headers=headers,
        media_type="application/json",
    )


def _status_of(error: domain.DomainError) -> int:
    for cls in type(error).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


def domain_error_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[ErrorEnvelope]:
    assert isinstance(exc, domain.DomainError)
    headers: dict[str, str] = {}
    status = _status_of(exc)
    if isinstance(exc, domain.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, domain.QuotaExceeded) and isinstance(exc.details, dict):
        headers |= rate_limit_headers(
            limit=exc.details["limit"], remaining=0, reset_seconds=exc.retry_after
        )
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if status == 503:
        headers["Retry-After"] = "5"
    return envelope(status, exc.code, exc.message, exc.details, headers or None)


def _validation_details(exc: ValidationException) -> dict[str, Any] | None:
    fields = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            fields.append(
                {
                    "field": item.get("key") or item.get("source") or "body",
                    "message": item.get("message", "invalid"),
                }
            )
    return {"fields": fields} if fields else None


def http_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorEnvelope]:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status >= 500 and exc.detail == _CLIENT_GONE:
        # The client went away (or was cut off as too slow) before its body
        # arrived: no fault of ours, and nobody is there to read an answer.
        logger.info("client gone before its request body arrived: %s", request.url.path)
        return envelope(400, "validation_error", "the request body did not arrive whole")
    if status >= 500:
        return internal_error_handler(request, exc)
    code = _HTTP_CODES.get(status, "http_error")
    if isinstance(exc, ValidationException) or status == 400:
        details = _validation_details(exc) if isinstance(exc, ValidationException) else None
        message = exc.detail or "the request is not valid"
        if "decoding" in message.lower() or "json" in message.lower():
            message = "the request body is not valid JSON"
        return envelope(400, "validation_error", message, details)
    headers = dict(exc.headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", "Bearer")
    message = {
        404: "no such resource",
        405: "this method is not allowed on this path",
        413: _too_large(request),
    }.get(status, exc.detail or "the request could not be completed")
    return envelope(status, code, message, None, headers or None)


def _too_large(request: Request[Any, Any, Any]) -> str:
    """The 413 message, naming the limit of the route that refused the body."""
    try:
        limit = request.route_handler.resolve_request_max_body_size()
    except Exception:
        limit = None
    if limit is None:
        return "the request body is too large"
    return f"the request body is too large (the limit on this route is {describe(limit)})"


def internal_error_handler(
    request: Request[Any, Any, Any], exc: Exception
) -> Response[ErrorEnvelope]:
    # The request's id (``observability``), so the log line, the answer's
    # details and its X-Request-ID header all name the same one.
    request_id = current_request_id() or str(uuid.uuid4())
    logger.error(
        "unexpected error on %s %s (request id %s)",
        request.method,
        request.url.path,
        request_id,
        exc_info=exc,
    )
    return envelope(
        500,
        "internal_error",
        "something went wrong on our side; it has been logged",
        {"request_id": request_id},
        {"X-Request-ID": request_id},
    )


Handler = Callable[[Request[Any, Any, Any], Exception], Response[ErrorEnvelope]]


def _noting_the_code(handler: Handler) -> Handler:
    """The handler, leaving the answer's error code for the metrics."""

    def handle(request: Request[Any, Any, Any], exc: Exception) -> Response[ErrorEnvelope]:
        response = handler(request, exc)
        note_error_code(request.scope, response.content.error.code)
        return response

    return handle


EXCEPTION_HANDLERS: dict[type[Exception] | int, Any] = {
    domain.DomainError: _noting_the_code(domain_error_handler),
    HTTPException: _noting_the_code(http_error_handler),
    Exception: _noting_the_code(internal_error_handler),
}
