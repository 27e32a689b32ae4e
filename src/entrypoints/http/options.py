"""``OPTIONS`` answers naming every method of the path.

Litestar makes a path's automatic OPTIONS handler when it meets the path's
first handler, and that handler keeps answering the methods known then:
``OPTIONS /chatroom`` said ``Allow: OPTIONS, POST`` though GET is served
too. This hook rewrites ``Allow`` on those answers from the app's routes,
which know all of the path's methods (405 answers already do).
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute


class AllowAllMethods:
    """A ``before_send`` hook; ``bind`` it to the app once routes are in."""

    def __init__(self) -> None:
        self._methods: dict[str, str] = {}

    def bind(self, app: Litestar) -> None:
        self._methods = {
            route.path: ", ".join(sorted(route.methods))
            for route in app.routes
            if isinstance(route, HTTPRoute)
        }

    async def __call__(self, message: Any, scope: Any) -> None:
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        handler = scope.get("route_handler")
        paths = getattr(handler, "paths", ())
        allow = next((self._methods[p] for p in paths if p in self._methods), None)
        if allow is None:
            return
        headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", allow.encode())]
