"""Every request's id, access log line and metrics, in one ASGI wrapper.

It wraps Litestar's whole request handling, routing included, so a 404 for
an unknown path or a 405 is seen like any other answer (Litestar's own
middleware runs only for matched routes).

- **Request id**: a valid incoming ``X-Request-ID`` (1-128 of
  ``A-Z a-z 0-9 . _ -``) is kept, anything else is replaced by a new UUID;
  it is current (``gemini_core.request_context``) while the request runs,
  so every log line, the 500 envelope and the queued reply carry it, and
  every response has it in ``X-Request-ID``.
- **Access log**: one line per request on ``gemini_clone.access``: method,
  route template, status, duration; INFO below 500, WARNING from 500 (the
  error itself is logged with its traceback at ERROR by the error handler).
- **Metrics**: requests and latency by route template, quota refusals,
  logins and code sends by outcome, open event streams (``HttpMetrics``).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, Scope, Send

from adapters.prometheus import HttpMetrics
from gemini_core.request_context import reset_request_id, set_request_id

access_logger = logging.getLogger("gemini_clone.access")

REQUEST_ID_HEADER = b"x-request-id"
VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
# Where the error handlers leave the error code of the answer (scope state).
ERROR_CODE_STATE = "gemini_clone_error_code"
UNMATCHED = "unmatched"  # the route label of a path no route serves
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Route template -> label, for the routes whose outcome is counted.
_LOGINS = {"/auth/verify-otp": "otp", "/auth/login": "password"}
_OTP_SENDS = {"/auth/send-otp": "login", "/auth/forgot-password": "password_reset"}
# Prompts refused because the day's prompts or tokens are used up.
_QUOTA_REFUSALS = frozenset({"quota_exceeded", "token_budget_exhausted"})


def note_error_code(scope: Any, code: str) -> None:
    """Called by the error handlers: the stable code of the answer."""
    scope.setdefault("state", {})[ERROR_CODE_STATE] = code


def incoming_request_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == REQUEST_ID_HEADER:
            text = value.decode("latin-1")
            return text if VALID_REQUEST_ID.fullmatch(text) else None
    return None


class _Exchange:
    """What the wrapper saw of one response."""

    status: int | None = None
    event_stream = False


class ObservedRequests:
    """The ASGI wrapper; ``access_log=False`` keeps the metrics, drops the lines."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics, *, access_log: bool) -> None:
        self._app = app
        self._metrics = metrics
        self._access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self._app(scope, receive, send)
            return
        request_id = incoming_request_id(scope) or str(uuid.uuid4())
        token = set_request_id(request_id)
        exchange = _Exchange()
        header = request_id.encode()

        async def observed_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                exchange.status = message["status"]
                headers = [h for h in message.get("headers", ()) if h[0].lower() != b"x-request-id"]
                headers.append((REQUEST_ID_HEADER, header))
                message["headers"] = headers
                # A HEAD of the stream is answered with its headers only.
                streams = exchange.status == 200 and scope["method"] == "GET"
                if streams and _is_event_stream(headers):
                    exchange.event_stream = True
                    self._metrics.open_event_streams.inc()
            await send(message)

        started = time.perf_counter()
        try:
            await self._app(scope, receive, observed_send)
        finally:
            if exchange.event_stream:
                self._metrics.open_event_streams.dec()
            self._record(scope, exchange.status or 500, time.perf_counter() - started)
            reset_request_id(token)

    def _record(self, scope: HTTPScope, status: int, seconds: float) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "OTHER"
        route = scope.get("path_template") or UNMATCHED
        metrics = self._metrics
        metrics.requests.labels(method=method, route=route, status=str(status)).inc()
        metrics.latency.labels(method=method, route=route).observe(seconds)
        code = scope.get("state", {}).get(ERROR_CODE_STATE)
        if code in _QUOTA_REFUSALS:
            metrics.quota_refusals.inc()
        outcome = "success" if status < 400 else code or f"http_{status}"
        if method == "POST" and route in _LOGINS:
            metrics.logins.labels(method=_LOGINS[route], outcome=outcome).inc()
        if method == "POST" and route in _OTP_SENDS:
            metrics.otp_sends.labels(purpose=_OTP_SENDS[route], outcome=outcome).inc()
        if self._access_log:
            _log_access(scope, method, route, status, seconds)


def _log_access(scope: HTTPScope, method: str, route: str, status: int, seconds: float) -> None:
    # The path as sent, escaped: a request cannot write a line of its own.
    path = scope["path"].encode("unicode_escape").decode("ascii")[:300]
    shown = route if route != UNMATCHED else path
    milliseconds = round(seconds * 1000, 1)
    client = scope.get("client")
    access_logger.log(
        logging.WARNING if status >= 500 else logging.INFO,
        "%s %s %d %.1fms",
        method,
        shown,
        status,
        milliseconds,
        extra={
            "method": method,
            "route": route,
            "path": path,
            "status": status,
            "duration_ms": milliseconds,
            "client": client[0] if client else None,
        },
    )


def _is_event_stream(headers: list[tuple[bytes, bytes]]) -> bool:
    return any(
        name.lower() == b"content-type" and value.startswith(b"text/event-stream")
        for name, value in headers
    )
