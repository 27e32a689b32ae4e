"""A loopback Stripe for tests: Stripe's wire format on 127.0.0.1.

``StripeLoopback`` is a small ASGI app served by uvicorn in a background
thread. It speaks what the real API speaks, so the real ``stripe`` SDK can be
pointed at it (``base_addresses={"api": server.base_url}``):

- form-encoded bodies in Stripe's bracket notation (``line_items[0][price]``),
  decoded into nested dicts and lists;
- Bearer (or Basic) auth with the secret key, 401 with Stripe's error otherwise;
- JSON objects shaped like Stripe's, and Stripe's error envelope;
- ``Idempotency-Key`` on POST: the same key replays the stored response (with
  ``Idempotent-Replayed: true``), a different request under a used key is a 400
  ``idempotency_error``, and a key whose first request is still in flight is a
  409, as with Stripe (the SDK retries that).

Every request is recorded (``server.requests``). Tests put subscriptions in
directly (``put_subscription``), and can make the next request(s) fail
(``fail_next``) or slow every request down (``latency``).

Below the server are builders for webhook payloads in the shape of API
version 2025-03-31 and later, and ``sign_webhook``, which signs them as Stripe
does.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import hashlib
import hmac
import json
import re
import secrets
import socket
import string
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl

import uvicorn

DEFAULT_SECRET_KEY = "sk_test_loopback_0123456789abcdef"
DEFAULT_PRICE_ID = "price_loopback_pro"
DEFAULT_WEBHOOK_SECRET = "whsec_loopback_0123456789abcdef"
API_VERSION = "2025-03-31.basil"
_CHECKOUT = "https://checkout.stripe.com"
_PORTAL = "https://billing.stripe.com"

_ALPHABET = string.ascii_letters + string.digits

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def _token(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def new_id(prefix: str, length: int = 24) -> str:
    """An id in Stripe's style, e.g. ``cus_a1B2...``."""
    return f"{prefix}_{_token(length)}"


# --------------------------------------------------------------------------
# Form decoding
# --------------------------------------------------------------------------

_KEY_PART = re.compile(r"\[([^\]]*)\]")


def decode_form(body: str) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """Decode a form body in Stripe's bracket notation.

    Returns the flat ``(key, value)`` pairs as sent and the nested parameters:
    ``a[b][c]=1`` -> ``{"a": {"b": {"c": "1"}}}``; ``a[0][b]=1`` and ``a[]=1``
    make lists. Values stay strings, as on the wire.
    """
    pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=False)
    nested: dict[str, Any] = {}
    for key, value in pairs:
        head, _, rest = key.partition("[")
        parts = [head, *_KEY_PART.findall("[" + rest)] if rest else [head]
        node: dict[str, Any] = nested
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            if part == "":
                # ``a[]`` appends; keep it as a dict keyed by position for now.
                part = str(len(node))
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
    return pairs, _listify(nested)


def _listify(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    items = {key: _listify(item) for key, item in value.items()}
    if items and all(key.isdigit() for key in items):
        return [items[key] for key in sorted(items, key=int)]
    return items


# --------------------------------------------------------------------------
# Records and failures
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the loopback received it, and what it answered."""

    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    query: dict[str, Any]  # decoded like the form
    form_pairs: list[tuple[str, str]]  # the body's fields as sent, in order
    params: dict[str, Any]  # the body decoded into nested dicts and lists
    status: int = 0
    replayed: bool = False  # answered from the idempotency store

    @property
    def form(self) -> dict[str, str]:
        """The body's flat fields (``{"line_items[0][price]": "price_..."}``)."""
        return dict(self.form_pairs)

    @property
    def idempotency_key(self) -> str | None:
        return self.headers.get("idempotency-key")


@dataclass
class Failure:
    """A failure to answer instead of handling a request."""

    status: int
    type: str
    message: str
    code: str | None = None
    path: str | None = None  # only requests to this path; any when None
    should_retry: bool | None = None  # sent as Stripe-Should-Retry when set


_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    402: "card_error",
    403: "invalid_request_error",
    404: "invalid_request_error",
    409: "idempotency_error",
    429: "rate_limit_error",
}


class StripeApiError(Exception):
    """Raised inside a handler to answer with Stripe's error envelope."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"type": type, "message": message}
        if code is not None:
            self.body["code"] = code
            self.body["doc_url"] = f"https://stripe.com/docs/error-codes/{code.replace('_', '-')}"
        if param is not None:
            self.body["param"] = param


def _missing(kind: str, object_id: str, param: str) -> StripeApiError:
    return StripeApiError(
        404 if param == "id" else 400,
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param,
    )


class _Stale(Exception):
    """The server was reset while a request waited; it must leave no trace."""


@dataclass
class _StoredResponse:
    method: str
    path: str
    form_pairs: list[tuple[str, str]]
    status: int
    body: bytes


@dataclass
class _Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------


class StripeLoopback:
    """Stripe's API on 127.0.0.1, for the real SDK. Use as a context manager
    (``with StripeLoopback() as server:``) or call ``start``/``stop``.

    State is guarded by a lock: tests may read records and put objects from
    their own thread while the server thread answers.
    """

    def __init__(
        self,
        *,
        secret_key: str = DEFAULT_SECRET_KEY,
        price_ids: tuple[str, ...] = (DEFAULT_PRICE_ID,),
        latency: float = 0.0,
        hosted_pages: str | None = None,
    ) -> None:
        self.secret_key = secret_key
        # Where the Checkout and portal URLs point: Stripe's own hosts, or
        # (for a browser that must stay on the machine) another base URL.
        self.checkout_base = f"{hosted_pages}/checkout" if hosted_pages else _CHECKOUT
        self.portal_base = f"{hosted_pages}/billing" if hosted_pages else _PORTAL
        self.price_ids = set(price_ids)
        # Seconds every API request takes; > 0 lets concurrent requests overlap.
        self.latency = latency
        self._lock = threading.Lock()
        self._requests: list[RecordedRequest] = []
        self._failures: list[Failure] = []
        self._idempotent: dict[str, _StoredResponse] = {}
        self._in_flight: set[str] = set()
        # Bumped by ``reset``: a request still running from before a reset
        # (e.g. one its client gave up on) must not leak into the next test.
        self._generation = 0
        self.customers: dict[str, dict[str, Any]] = {}
        self.checkout_sessions: dict[str, dict[str, Any]] = {}
        self.portal_sessions: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        # ``subscription_data`` given when each Checkout Session was created.
        self._session_subscription_data: dict[str, dict[str, Any]] = {}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # -- lifecycle ---------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``: the SDK's ``api`` base address."""
        if self._port is None:
            raise RuntimeError("the loopback Stripe is not running")
        return f"http://127.0.0.1:{self._port}"

    def start(self) -> None:
        if self._server is not None:
            raise RuntimeError("already started")
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self,
            lifespan="off",
            log_level="warning",
            access_log=False,
            loop="asyncio",
            http="h11",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name="stripe-loopback", daemon=True
        )
        self._server, self._thread = server, thread
        thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self._server = self._thread = None
                sock.close()
                raise RuntimeError("the loopback Stripe did not start")
            time.sleep(0.005)

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.should_exit = True
        thread.join(timeout=10)
        self._server = self._thread = None
        self._port = None

    def __enter__(self) -> StripeLoopback:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what tests use ----------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request so far, in arrival order (a copy)."""
        with self._lock:
            return list(self._requests)

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.method == method.upper() and r.path == path]

    def clear_requests(self) -> None:
        with self._lock:
            self._requests.clear()

    def put_subscription(self, subscription: Mapping[str, Any]) -> dict[str, Any]:
        """Store (or replace) a subscription object, e.g. one built with
        ``make_subscription``; ``GET /v1/subscriptions/{id}`` returns it."""
        stored = copy.deepcopy(dict(subscription))
        if not stored.get("id"):
            raise ValueError("a subscription needs an id")
        with self._lock:
            self.subscriptions[stored["id"]] = stored
        return copy.deepcopy(stored)

    def update_subscription(self, subscription_id: str, **fields: Any) -> dict[str, Any]:
        """Change top-level fields of a stored subscription (status, ...)."""
        with self._lock:
            self.subscriptions[subscription_id].update(copy.deepcopy(fields))
            return copy.deepcopy(self.subscriptions[subscription_id])

    def put_customer(self, customer: Mapping[str, Any]) -> dict[str, Any]:
        stored = copy.deepcopy(dict(customer))
        with self._lock:
            self.customers[stored["id"]] = stored
        return copy.deepcopy(stored)

    def complete_checkout(
        self,
        session_id: str,
        *,
        status: str = "active",
        current_period_end: int | None = None,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """What happens when the customer pays: the session completes and a
        subscription (with the session's ``subscription_data.metadata``) is
        stored. Returns ``(session, subscription)`` for building events."""
        with self._lock:
            session = self.checkout_sessions[session_id]
            data = self._session_subscription_data.get(session_id, {})
            price = data.get("price", DEFAULT_PRICE_ID)
            subscription = make_subscription(
                customer=session["customer"] or new_id("cus", 14),
                status=status,
                current_period_end=current_period_end,
                metadata=dict(data.get("metadata") or {}),
                price_id=price,
            )
            self.subscriptions[subscription["id"]] = subscription
            session.update(
                status="complete",
                payment_status="paid",
                subscription=subscription["id"],
                url=None,
            )
            return copy.deepcopy(session), copy.deepcopy(subscription)

    def fail_next(
        self,
        status: int = 402,
        *,
        type: str | None = None,
        message: str | None = None,
        code: str | None = None,
        times: int = 1,
        path: str | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """Answer the next ``times`` requests (to ``path``, if given) with an
        error instead of handling them. Defaults: 402 is a declined card, 5xx
        an ``api_error``. A failure happens before idempotency, as a failure in
        front of Stripe would, so it is not stored under the request's key."""
        error_type = type or _ERROR_TYPES.get(status, "api_error")
        if message is None:
            message = (
                "Your card was declined."
                if error_type == "card_error"
                else "An unknown error occurred"
                if status >= 500
                else "The request failed."
            )
        if code is None and error_type == "card_error":
            code = "card_declined"
        with self._lock:
            self._failures.extend(
                Failure(status, error_type, message, code, path, should_retry) for _ in range(times)
            )

    def reset(self) -> None:
        """Forget every object, record, stored key and pending failure, and
        answer without latency again."""
        with self._lock:
            self._generation += 1
            self.latency = 0.0
            self._requests.clear()
            self._failures.clear()
            self._idempotent.clear()
            self._in_flight.clear()
            self.customers.clear()
            self.checkout_sessions.clear()
            self.portal_sessions.clear()
            self.subscriptions.clear()
            self._session_subscription_data.clear()

    # -- ASGI ----------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        response = await self._handle(scope, body)
        headers = {
            "content-type": "application/json",
            "request-id": new_id("req", 14),
            "stripe-version": API_VERSION,
            **response.headers,
        }
        await send(
            {
                "type": "http.response.start",
                "status": response.status,
                "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": response.body})

    async def _handle(self, scope: Scope, body: bytes) -> _Response:
        method = scope["method"].upper()
        path = scope["path"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        _, query = decode_form(scope.get("query_string", b"").decode("latin-1"))
        form_pairs, params = decode_form(body.decode("utf-8")) if body else ([], {})
        request = RecordedRequest(method, path, headers, query, form_pairs, params)
        generation = self._generation
        try:
            response, replayed = await self._respond(request, generation)
        except _Stale:
            return _error_response(StripeApiError(500, "reset while answering", type="api_error"))
        with self._lock:
            if generation != self._generation:
                return response
            self._requests.append(
                RecordedRequest(
                    method,
                    path,
                    headers,
                    query,
                    form_pairs,
                    params,
                    status=response.status,
                    replayed=replayed,
                )
            )
        return response

    async def _respond(self, request: RecordedRequest, generation: int) -> tuple[_Response, bool]:
        auth_error = self._check_auth(request.headers.get("authorization"))
        if auth_error is not None:
            return _error_response(auth_error), False
        failure = self._take_failure(request.path)
        if failure is not None:
            error = StripeApiError(
                failure.status, failure.message, type=failure.type, code=failure.code
            )
            response = _error_response(error)
            if failure.should_retry is not None:
                response.headers["stripe-should-retry"] = str(failure.should_retry).lower()
            return response, False

        key = request.idempotency_key if request.method == "POST" else None
        if key is None:
            await self._wait(generation)
            return self._dispatch(request), False

        with self._lock:
            stored = self._idempotent.get(key)
            if stored is None:
                if key in self._in_flight:
                    error = StripeApiError(
                        409,
                        "There is currently another in-progress request using this "
                        f"Idempotent Key (that probably means you submitted twice, and "
                        f"the other request is still going through): {key}. Please try "
                        "again later.",
                        type="idempotency_error",
                        code="idempotency_key_in_use",
                    )
                    return _error_response(error), False
                self._in_flight.add(key)
        if stored is not None:
            if (stored.method, stored.path, stored.form_pairs) != (
                request.method,
                request.path,
                request.form_pairs,
            ):
                error = StripeApiError(
                    400,
                    "Keys for idempotent requests can only be used with the same "
                    "parameters they were first used with. Try using a key other than "
                    f"'{key}' if you meant to execute a different request.",
                    type="idempotency_error",
                )
                return _error_response(error), False
            return _Response(
                stored.status, stored.body, {"idempotent-replayed": "true", "idempotency-key": key}
            ), True
        try:
            await self._wait(generation)
            response = self._dispatch(request)
            # As with Stripe, a request refused before it started executing
            # (bad parameters, unknown objects) does not use up its key.
            if response.status < 400:
                with self._lock:
                    self._idempotent[key] = _StoredResponse(
                        request.method,
                        request.path,
                        request.form_pairs,
                        response.status,
                        response.body,
                    )
        finally:
            with self._lock:
                self._in_flight.discard(key)
        response.headers["idempotency-key"] = key
        return response, False

    async def _wait(self, generation: int) -> None:
        if self.latency > 0:
            await asyncio.sleep(self.latency)
            if generation != self._generation:
                raise _Stale

    def _check_auth(self, authorization: str | None) -> StripeApiError | None:
        if not authorization:
            return StripeApiError(
                401,
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for "
                "details, or we can help at https://support.stripe.com/.",
            )
        scheme, _, credential = authorization.partition(" ")
        key = credential.strip()
        if scheme.lower() == "basic":
            try:
                key = base64.b64decode(key).decode().partition(":")[0]
            except ValueError:
                key = ""
        elif scheme.lower() != "bearer":
            key = ""
        if not hmac.compare_digest(key.encode(), self.secret_key.encode()):
            masked = f"{key[:8]}{'*' * max(0, len(key) - 12)}{key[-4:]}" if key else "''"
            return StripeApiError(401, f"Invalid API Key provided: {masked}")
        return None

    def _take_failure(self, path: str) -> Failure | None:
        with self._lock:
            for index, failure in enumerate(self._failures):
                if failure.path is None or failure.path == path:
                    return self._failures.pop(index)
        return None

    def _dispatch(self, request: RecordedRequest) -> _Response:
        routes: list[tuple[str, re.Pattern[str], Callable[..., dict[str, Any]]]] = [
            ("POST", re.compile(r"/v1/customers"), self._create_customer),
            ("GET", re.compile(r"/v1/customers/(?P<id>[^/]+)"), self._get_customer),
            ("POST", re.compile(r"/v1/checkout/sessions"), self._create_checkout_session),
            ("GET", re.compile(r"/v1/checkout/sessions/(?P<id>[^/]+)"), self._get_session),
            ("POST", re.compile(r"/v1/billing_portal/sessions"), self._create_portal_session),
            ("GET", re.compile(r"/v1/subscriptions/(?P<id>[^/]+)"), self._get_subscription),
        ]
        try:
            for method, pattern, handler in routes:
                match = pattern.fullmatch(request.path)
                if match and method == request.method:
                    with self._lock:
                        obj = handler(request.params, **match.groupdict())
                    return _Response(200, json.dumps(obj).encode())
            raise StripeApiError(
                404,
                f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                "https://stripe.com/docs or we can help at https://support.stripe.com/.",
            )
        except StripeApiError as error:
            return _error_response(error)

    # -- handlers (called with the lock held) -----------------------------

    def _create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        customer_id = new_id("cus", 14)
        customer = {
            "id": customer_id,
            "object": "customer",
            "created": int(time.time()),
            "livemode": False,
            "email": params.get("email") or None,
            "name": params.get("name") or None,
            "phone": params.get("phone") or None,
            "description": params.get("description") or None,
            "metadata": params.get("metadata") or {},
            "balance": 0,
            "currency": None,
            "delinquent": False,
            "invoice_prefix": _token(8).upper(),
        }
        self.customers[customer_id] = customer
        return copy.deepcopy(customer)

    def _get_customer(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        if id not in self.customers:
            raise _missing("customer", id, "id")
        return copy.deepcopy(self.customers[id])

    def _create_checkout_session(self, params: dict[str, Any]) -> dict[str, Any]:
        mode = params.get("mode")
        if mode not in ("payment", "setup", "subscription"):
            raise StripeApiError(
                400,
                "Missing required param: mode." if mode is None else f"Invalid mode: {mode}",
                code="parameter_missing" if mode is None else "parameter_invalid_string",
                param="mode",
            )
        if not params.get("success_url") and params.get("ui_mode", "hosted") == "hosted":
            raise StripeApiError(
                400,
                "Missing required param: success_url.",
                code="parameter_missing",
                param="success_url",
            )
        line_items = params.get("line_items") or []
        if mode == "subscription" and not line_items:
            raise StripeApiError(
                400,
                "You must specify `line_items` in `subscription` mode.",
                param="line_items",
            )
        for index, item in enumerate(line_items):
            price = item.get("price")
            if price not in self.price_ids:
                raise _missing("price", str(price), f"line_items[{index}][price]")
            if not str(item.get("quantity", "1")).isdigit():
                raise StripeApiError(
                    400,
                    "Invalid integer: " + str(item.get("quantity")),
                    code="parameter_invalid_integer",
                    param=f"line_items[{index}][quantity]",
                )
        customer = params.get("customer")
        if customer and customer not in self.customers:
            raise _missing("customer", customer, "customer")
        session_id = new_id("cs_test", 58)
        created = int(time.time())
        session = {
            "id": session_id,
            "object": "checkout.session",
            "created": created,
            "expires_at": created + 24 * 3600,
            "livemode": False,
            "mode": mode,
            "customer": customer or None,
            "client_reference_id": params.get("client_reference_id") or None,
            "metadata": params.get("metadata") or {},
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "status": "open",
            "payment_status": "unpaid",
            "subscription": None,
            "url": f"{self.checkout_base}/c/pay/{session_id}",
        }
        self.checkout_sessions[session_id] = session
        subscription_data = dict(params.get("subscription_data") or {})
        if line_items:
            subscription_data["price"] = line_items[0].get("price")
        self._session_subscription_data[session_id] = subscription_data
        return copy.deepcopy(session)

    def _get_session(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        if id not in self.checkout_sessions:
            raise _missing("checkout.session", id, "id")
        return copy.deepcopy(self.checkout_sessions[id])

    def _create_portal_session(self, params: dict[str, Any]) -> dict[str, Any]:
        customer = params.get("customer")
        if not customer:
            raise StripeApiError(
                400,
                "Missing required param: customer.",
                code="parameter_missing",
                param="customer",
            )
        if customer not in self.customers:
            raise _missing("customer", customer, "customer")
        session = {
            "id": new_id("bps", 24),
            "object": "billing_portal.session",
            "created": int(time.time()),
            "livemode": False,
            "customer": customer,
            "return_url": params.get("return_url") or None,
            "url": f"{self.portal_base}/p/session/test_{_token(40)}",
        }
        self.portal_sessions[session["id"]] = session
        return copy.deepcopy(session)

    def _get_subscription(self, params: dict[str, Any], id: str) -> dict[str, Any]:
        if id not in self.subscriptions:
            raise _missing("subscription", id, "id")
        return copy.deepcopy(self.subscriptions[id])


def _error_response(error: StripeApiError) -> _Response:
    return _Response(error.status, json.dumps({"error": error.body}).encode())


@contextmanager
def running_stripe_loopback(**options: Any) -> Iterator[StripeLoopback]:
    """``with running_stripe_loopback() as server:``; options go to the constructor."""
    with StripeLoopback(**options) as server:
        yield server


# --------------------------------------------------------------------------
# Webhooks: signatures and payloads
# --------------------------------------------------------------------------


def sign_webhook(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header Stripe would send for ``payload``:
    ``t=<ts>,v1=<hex HMAC-SHA256 of "<ts>.<body>" keyed with the secret>``."""
    ts = int(time.time()) if timestamp is None else timestamp
    signed = f"{ts}.".encode() + payload
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={ts},v1={digest}"


def make_event(
    type: str,
    obj: Mapping[str, Any],
    *,
    created: int | None = None,
    id: str | None = None,
    previous_attributes: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A snapshot event as Stripe posts it to a webhook endpoint."""
    data: dict[str, Any] = {"object": copy.deepcopy(dict(obj))}
    if previous_attributes is not None:
        data["previous_attributes"] = dict(previous_attributes)
    return {
        "id": id or new_id("evt", 24),
        "object": "event",
        "api_version": API_VERSION,
        "created": int(time.time()) if created is None else created,
        "data": data,
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "type": type,
    }


def event_payload(event: Mapping[str, Any]) -> bytes:
    """The body Stripe would send for ``event``."""
    return json.dumps(event, indent=2).encode()


def signed_event(
    event: Mapping[str, Any], secret: str, timestamp: int | None = None
) -> tuple[bytes, str]:
    """``(body, Stripe-Signature header)`` for ``event``."""
    payload = event_payload(event)
    return payload, sign_webhook(payload, secret, timestamp)


def make_subscription(
    *,
    id: str | None = None,
    customer: str = "cus_loopback",
    status: str = "active",
    current_period_start: int | None = None,
    current_period_end: int | None = None,
    cancel_at_period_end: bool = False,
    user_id: uuid.UUID | str | None = None,
    metadata: Mapping[str, str] | None = None,
    price_id: str = DEFAULT_PRICE_ID,
    legacy_period_fields: bool = False,
) -> dict[str, Any]:
    """A subscription object. The period lives on ``items.data[]`` (API
    version 2025-03-31 and later); ``legacy_period_fields`` puts it on the
    subscription instead, as older versions did."""
    now = int(time.time())
    start = now if current_period_start is None else current_period_start
    end = start + 30 * 24 * 3600 if current_period_end is None else current_period_end
    sub_id = id or new_id("sub", 24)
    meta = dict(metadata or {})
    if user_id is not None:
        meta["user_id"] = str(user_id)
    item: dict[str, Any] = {
        "id": new_id("si", 14),
        "object": "subscription_item",
        "created": start,
        "metadata": {},
        "price": {
            "id": price_id,
            "object": "price",
            "active": True,
            "currency": "usd",
            "recurring": {"interval": "month", "interval_count": 1},
            "type": "recurring",
            "unit_amount": 1000,
        },
        "quantity": 1,
        "subscription": sub_id,
    }
    subscription: dict[str, Any] = {
        "id": sub_id,
        "object": "subscription",
        "billing_cycle_anchor": start,
        "cancel_at": end if cancel_at_period_end else None,
        "cancel_at_period_end": cancel_at_period_end,
        "canceled_at": now if status == "canceled" else None,
        "collection_method": "charge_automatically",
        "created": start,
        "currency": "usd",
        "customer": customer,
        "ended_at": now if status == "canceled" else None,
        "items": {
            "object": "list",
            "data": [item],
            "has_more": False,
            "total_count": 1,
            "url": f"/v1/subscription_items?subscription={sub_id}",
        },
        "latest_invoice": new_id("in", 24),
        "livemode": False,
        "metadata": meta,
        "start_date": start,
        "status": status,
    }
    if legacy_period_fields:
        subscription["current_period_start"] = start
        subscription["current_period_end"] = end
    else:
        item["current_period_start"] = start
        item["current_period_end"] = end
    return subscription


def make_checkout_session(
    *,
    id: str | None = None,
    customer: str | None = "cus_loopback",
    subscription: str | None = None,
    client_reference_id: str | None = None,
    user_id: uuid.UUID | str | None = None,
    status: str = "complete",
    payment_status: str = "paid",
    mode: str = "subscription",
) -> dict[str, Any]:
    """A Checkout Session as ``checkout.session.completed`` carries it.
    ``user_id`` goes to ``metadata.user_id`` (and to ``client_reference_id``
    unless that is given)."""
    session_id = id or new_id("cs_test", 58)
    created = int(time.time())
    metadata = {"user_id": str(user_id)} if user_id is not None else {}
    if client_reference_id is None and user_id is not None:
        client_reference_id = str(user_id)
    return {
        "id": session_id,
        "object": "checkout.session",
        "client_reference_id": client_reference_id,
        "created": created,
        "customer": customer,
        "expires_at": created + 24 * 3600,
        "livemode": False,
        "metadata": metadata,
        "mode": mode,
        "payment_status": payment_status,
        "status": status,
        "subscription": subscription if subscription is not None else new_id("sub", 24),
        "success_url": "http://localhost:8000/subscribe/success",
        "cancel_url": "http://localhost:8000/subscribe/cancel",
        "url": None,
    }


def make_invoice(
    *,
    id: str | None = None,
    customer: str = "cus_loopback",
    subscription: str | None = None,
    user_id: uuid.UUID | str | None = None,
    status: str = "paid",
    period_end: int | None = None,
    legacy_subscription_field: bool = False,
) -> dict[str, Any]:
    """An invoice of a subscription. Since API version 2025-03-31 the
    subscription (and its metadata) is under ``parent.subscription_details``;
    ``legacy_subscription_field`` uses the older top-level fields instead."""
    now = int(time.time())
    sub_id = subscription or new_id("sub", 24)
    metadata = {"user_id": str(user_id)} if user_id is not None else {}
    end = now + 30 * 24 * 3600 if period_end is None else period_end
    invoice: dict[str, Any] = {
        "id": id or new_id("in", 24),
        "object": "invoice",
        "amount_due": 1000,
        "amount_paid": 1000 if status == "paid" else 0,
        "amount_remaining": 0 if status == "paid" else 1000,
        "attempt_count": 1,
        "billing_reason": "subscription_cycle",
        "collection_method": "charge_automatically",
        "created": now,
        "currency": "usd",
        "customer": customer,
        "livemode": False,
        "period_start": now,
        "period_end": now,
        "status": status,
        "lines": {
            "object": "list",
            "data": [
                {
                    "id": new_id("il", 24),
                    "object": "line_item",
                    "amount": 1000,
                    "period": {"start": now, "end": end},
                    "parent": {
                        "type": "subscription_item_details",
                        "subscription_item_details": {"subscription": sub_id},
                    },
                }
            ],
            "has_more": False,
            "total_count": 1,
        },
    }
    if legacy_subscription_field:
        invoice["subscription"] = sub_id
        invoice["subscription_details"] = {"metadata": metadata}
    else:
        invoice["parent"] = {
            "type": "subscription_details",
            "quote_details": None,
            "subscription_details": {"metadata": metadata, "subscription": sub_id},
        }
    return invoice
