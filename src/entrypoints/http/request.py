"""The request class of the app: Litestar's, with JSON decoding that answers
a body nested too deeply as bad input rather than as a crash."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.exceptions import ClientException

NESTED_TOO_DEEPLY = "the request body is nested too deeply"


class ApiRequest(Request[Any, Any, Any]):
    async def json(self) -> Any:
        # msgspec decodes nested arrays and objects recursively and raises
        # RecursionError (about a thousand levels, a 2 KB body) before any
        # schema is checked; no body of this API nests more than a few levels.
        try:
            return await super().json()
        except RecursionError:
            raise ClientException(NESTED_TOO_DEEPLY) from None
