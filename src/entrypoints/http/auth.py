"""Authentication as a dependency: protected controllers declare it once."""

from __future__ import annotations

from typing import Any

from litestar import Request

from gemini_core.errors import Unauthorized
from gemini_core.model import User
from gemini_core.services import AuthService


async def current_user(request: Request[Any, Any, Any], auth: AuthService) -> User:
    """The user of the request's ``Authorization: Bearer`` token, or 401."""
    header = request.headers.get("authorization")
    if not header:
        raise Unauthorized("an Authorization: Bearer token is required")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("the Authorization header must be 'Bearer <access_token>'")
    return await auth.authenticate(token.strip())
