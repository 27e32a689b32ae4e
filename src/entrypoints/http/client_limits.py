"""Limits per client on the unauthenticated auth routes.

A route joins a family with ``opt=limited("login")``; the app's guard counts
every request to a family per client address (``client_address``) in the
shared ``RateLimiter`` (Redis in production, so the limit holds across API
processes) and answers 429 ``rate_limited`` with ``Retry-After`` past
``CLIENT_RATE_LIMIT`` a minute. It runs before the body is read, so a
refused request costs no parsing, no database and no password hash.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler

from entrypoints.http.client_address import ClientAddresses
from gemini_core.errors import RateLimited
from gemini_core.ports import RateLimiter

FAMILY_OPT = "client_limit"
WINDOW_SECONDS = 60


def limited(family: str) -> dict[str, Any]:
    """The route ``opt`` that puts a handler in ``family``'s limit."""
    return {FAMILY_OPT: family}


class ClientLimitGuard:
    """A Litestar guard: at most ``limit`` requests a minute per client and
    family (``limit`` 0 turns it off)."""

    def __init__(self, limiter: RateLimiter, limit: int, addresses: ClientAddresses) -> None:
        self._limiter = limiter
        self._limit = limit
        self._addresses = addresses

    async def __call__(
        self, connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
    ) -> None:
        family = handler.opt.get(FAMILY_OPT)
        if family is None or self._limit == 0:
            return
        peer = connection.client.host if connection.client else None
        client = self._addresses.client_of(peer, connection.headers.getall("x-forwarded-for", []))
        wait = await self._limiter.hit(f"client:{family}:{client}", self._limit, WINDOW_SECONDS)
        if wait is not None:
            raise RateLimited(
                "too many requests from your address, try again later",
                retry_after=wait,
                details={"limit": self._limit, "window_seconds": WINDOW_SECONDS},
            )
