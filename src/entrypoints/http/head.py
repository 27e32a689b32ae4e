"""``HEAD`` on every GET route: the GET's answer without its body.

Litestar answers HEAD only where a handler is declared for it, so HEAD on a
GET route was 405. This ASGI wrapper runs a HEAD request as the GET it asks
about and sends that answer's status and headers (``Content-Length`` and
``Content-Type`` included, as RFC 9110 section 9.3.2 asks) with an empty body.
A path without GET answers as GET would there: 405 (with ``Allow``) or 404.

- The app sees a copy of the scope with ``GET``; the server's scope keeps
  ``HEAD``, since servers read it to know that no body may follow. What
  routing notes in the scope (the route template, the error code) is copied
  back, so the request observer (``observability``), which wraps this one,
  logs and counts the request as the HEAD it was, under its route.
- The answer ends with its headers. Once the app has begun its body, it is
  told the client has gone, as when a client leaves a GET: a stream
  (``/events``) stops at its first frame instead of being held open with
  nobody reading it.
"""

from __future__ import annotations

import asyncio
from typing import cast

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPScope, Message, Receive, ReceiveMessage, Scope, Send

_GONE: ReceiveMessage = {"type": "http.disconnect"}
_NO_BODY: Message = {"type": "http.response.body", "body": b"", "more_body": False}


class HeadAsGet:
    """The ASGI wrapper; requests other than HEAD pass through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or scope["method"] != "HEAD":
            await self._app(scope, receive, send)
            return
        as_get = cast(HTTPScope, {**scope, "method": "GET"})
        answered = False
        first_body = asyncio.Event()

        async def headers_only(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start" and not answered:
                await send(message)
                await send(_NO_BODY)
                answered = True
            elif message["type"] == "http.response.body":
                first_body.set()  # and dropped, as is all that follows

        async def gone_once_answered() -> ReceiveMessage:
            if not answered:  # a handler may read the (empty) request body
                return await receive()
            # Only once the body has begun: a stream's generator that never
            # started could not run its clean-up (the slot of an open stream).
            await first_body.wait()
            return _GONE

        try:
            await self._app(as_get, gone_once_answered, headers_only)
        finally:
            # What routing noted (route template, handler, error code) is the observer's too.
            scope.update({key: value for key, value in as_get.items() if key != "method"})  # type: ignore[typeddict-item]
