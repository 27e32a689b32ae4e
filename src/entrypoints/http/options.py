"""``Allow`` naming every method of the path, HEAD included.

Litestar makes a path's automatic OPTIONS handler when it meets the path's
first handler, and that handler keeps answering the methods known then:
``OPTIONS /chatroom`` said ``Allow: OPTIONS, POST`` though GET is served
too. This hook rewrites ``Allow`` on those answers from the app's routes,
which know all of the path's methods. Every GET route also answers HEAD
(``head.HeadAsGet``), which Litestar's routes do not know of: OPTIONS
answers and 405 answers list HEAD wherever they list GET.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from litestar import Litestar
from litestar.routes import HTTPRoute


def allowed(methods: Iterable[str]) -> str:
    """The ``Allow`` value of a path serving ``methods`` (HEAD with GET)."""
    named = {method.strip().upper() for method in methods if method.strip()}
    if "GET" in named:
        named.add("HEAD")
    return ", ".join(sorted(named))


class AllowAllMethods:
    """A ``before_send`` hook; ``bind`` it to the app once routes are in."""

    def __init__(self) -> None:
        self._methods: dict[str, str] = {}

    def bind(self, app: Litestar) -> None:
        self._methods = {
            route.path: allowed(route.methods)
            for route in app.routes
            if isinstance(route, HTTPRoute)
        }

    async def __call__(self, message: Any, scope: Any) -> None:
        if message["type"] != "http.response.start":
            return
        if message["status"] == 405:
            # Routing refused the method before any handler was chosen; its
            # Allow header names the path's methods.
            _replace_allow(message, lambda sent: allowed(sent.split(",")))
        elif scope.get("method") == "OPTIONS":
            handler = scope.get("route_handler")
            paths = getattr(handler, "paths", ())
            allow = next((self._methods[p] for p in paths if p in self._methods), None)
            if allow is not None:
                _replace_allow(message, lambda _: allow)


def _replace_allow(message: Any, value: Callable[[str], str]) -> None:
    headers = list(message.get("headers", []))
    sent = next((v.decode("latin-1") for k, v in headers if k.lower() == b"allow"), None)
    if sent is None:
        return
    kept = [(k, v) for k, v in headers if k.lower() != b"allow"]
    message["headers"] = [*kept, (b"allow", value(sent).encode("latin-1"))]
