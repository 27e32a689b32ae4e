"""Authentication as a dependency: protected controllers declare it once."""

from __future__ import annotations

from typing import Any

from litestar import Request

from gemini_core.errors import Unauthorized
from gemini_core.model import User
from gemini_core.services import AuthService, Principal


def bearer_token(request: Request[Any, Any, Any]) -> str:
    """The request's ``Authorization: Bearer`` token; ``Unauthorized`` without one."""
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("an Authorization: Bearer token is required")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <access_token>'")
    return token.strip()


async def current_user(request: Request[Any, Any, Any], auth: AuthService) -> User:
    """The user of the request's ``Authorization: Bearer`` token, or 401."""
    return await auth.authenticate(bearer_token(request))


async def current_principal(request: Request[Any, Any, Any], auth: AuthService) -> Principal:
    """``current_user`` with how and when the token's holder proved it, for
    routes that need recent proof."""
    return await auth.identify(bearer_token(request))
