"""Holding slow clients off in `gemini-clone serve`.

uvicorn times out an idle keep-alive connection, but not one that is still
sending its request: a client trickling a byte every few seconds keeps its
connection (and a file descriptor) for ever, and enough of them stop the
process from accepting anyone. uvicorn has no header or body read timeout
(``limit_concurrency`` answers *new* requests 503 once the slow ones fill it,
the opposite of what is wanted), so its httptools protocol is extended here
(httptools, not h11: with its C parser the bench's ceiling spends half the
CPU per request it spent with h11's Python; bench/README.md):

- a request's headers must arrive within ``header_timeout`` seconds of the
  connection opening (or of the previous response on a kept-alive one), its
  body within ``body_timeout`` seconds of the headers; else the connection
  is closed;
- at most ``max_connections`` connections per process: one more closes the
  oldest connection that is still reading a request (a trickler, an idle
  keep-alive, a slow upload), so a new client is served while slow ones are
  held off; when every connection has a whole request in hand, the newcomer
  is answered 503 and closed.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from dataclasses import dataclass
from typing import Any, ClassVar

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

logger = logging.getLogger("gemini_clone.http")

# File descriptors kept free for everything but client connections (the
# database pool, Redis, log files, the listening socket).
FD_RESERVE = 256

_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"content-type: application/json\r\n"
    b"retry-after: 1\r\n"
    b"connection: close\r\n"
    b"content-length: %d\r\n\r\n%s"
)
_BUSY_BODY = (
    b'{"success":false,"error":{"code":"service_unavailable",'
    b'"message":"the server has too many connections, try again shortly"}}'
)


class _Tally:
    """Counts closed and refused connections and logs a summary at most every
    ``every`` seconds: a flood of slow clients must not flood the log. A
    timeout alone is routine (a browser's unused preconnect); reaching the
    connection limit is worth a warning."""

    def __init__(self, every: float = 30.0) -> None:
        self._every = every
        self._counts: dict[str, int] = {}
        self._at_limit = False
        self._last = 0.0

    def count(self, what: str, *, at_limit: bool = False) -> None:
        self._counts[what] = self._counts.get(what, 0) + 1
        self._at_limit |= at_limit
        now = time.monotonic()
        if now - self._last >= self._every:
            self._last = now
            summary = ", ".join(f"{n} {what}" for what, n in sorted(self._counts.items()))
            level = logging.WARNING if self._at_limit else logging.INFO
            self._counts.clear()
            self._at_limit = False
            logger.log(level, "slow or excess clients: %s", summary)


@dataclass(frozen=True)
class ConnectionLimits:
    header_timeout: float
    body_timeout: float
    max_connections: int


def guarded_http(limits: ConnectionLimits) -> type[GuardedHttpProtocol]:
    """A protocol class for ``uvicorn.Config(http=...)`` under ``limits``
    (each class keeps its own record of the connections still reading)."""
    attributes = {"limits": limits, "reading": {}, "tally": _Tally()}
    return type("GuardedHttpProtocol", (GuardedHttpProtocol,), attributes)


def connection_cap(wanted: int) -> int:
    """``wanted``, raising the soft file-descriptor limit to fit it when the
    hard limit allows; else as many as the limit leaves room for."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + FD_RESERVE
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft != resource.RLIM_INFINITY and soft < needed:
        cap = max(1, soft - FD_RESERVE)
        logger.warning(
            "HTTP_MAX_CONNECTIONS=%d does not fit the file-descriptor limit (%d); using %d",
            wanted,
            soft,
            cap,
        )
        return cap
    return wanted


class GuardedHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with header and body deadlines and a cap
    on connections; made for given limits by ``guarded_http``. The parser's
    callbacks say where the latest request is: begun, its headers in, whole."""

    limits: ClassVar[ConnectionLimits]
    # Connections still reading a request (its headers or its body), oldest
    # first: a dict keeps insertion order; re-inserting moves one to the end.
    reading: ClassVar[dict[GuardedHttpProtocol, None]]
    tally: ClassVar[_Tally]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._deadline: asyncio.TimerHandle | None = None
        self._reading_body = False
        self._begun = self._headers_in = self._whole = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.limits.max_connections and not self._make_room():
            transport.write(_BUSY % (len(_BUSY_BODY), _BUSY_BODY))
            transport.close()
            return
        self._await_headers()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        self._follow_request()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._begun, self._headers_in, self._whole = True, False, False

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._headers_in = True

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._whole = True

    def on_response_complete(self) -> None:
        pipelined = bool(self.pipeline)  # a request already in hand starts now
        super().on_response_complete()
        if self.transport.is_closing() or pipelined:
            return
        if self._whole:  # nothing more was sent: the next request's headers are due
            self._begun = False
            self._await_headers()
        else:  # the next request is under way
            self._follow_request()

    def connection_lost(self, exc: Exception | None) -> None:
        self._clear_deadline()
        self.reading.pop(self, None)
        super().connection_lost(exc)

    def _make_room(self) -> bool:
        """Close the oldest connection still reading a request; False if none."""
        oldest = next(iter(self.reading), None)
        if oldest is None:
            self.tally.count("refused (every connection busy)", at_limit=True)
            return False
        oldest._close("closed to make room (HTTP_MAX_CONNECTIONS)", at_limit=True)
        return True

    def _await_headers(self) -> None:
        self._clear_deadline()
        self._reading_body = False
        self.reading.pop(self, None)
        self.reading[self] = None
        self._deadline = self.loop.call_later(self.limits.header_timeout, self._headers_late)

    def _follow_request(self) -> None:
        """Move the deadline along with the parser's view of the client's side."""
        if self.transport.is_closing() or not self._begun:
            return  # idle: the header deadline stands
        if not self._headers_in:
            if self._deadline is None:  # begun behind a pipelined one: headers due now
                self._await_headers()
            return
        if not self._whole:  # still reading the body, and as old as before
            if not self._reading_body:
                self._reading_body = True
                self._clear_deadline()
                self._deadline = self.loop.call_later(self.limits.body_timeout, self._body_late)
            return
        self._reading_body = False
        self.reading.pop(self, None)
        self._clear_deadline()

    def _headers_late(self) -> None:
        self._deadline = None
        if not (self._begun and self._headers_in):
            self._close("closed without headers in time (HTTP_HEADER_TIMEOUT)")

    def _body_late(self) -> None:
        self._deadline = None
        if self._begun and self._headers_in and not self._whole:
            self._close("closed without a body in time (HTTP_BODY_TIMEOUT)")

    def _close(self, why: str, *, at_limit: bool = False) -> None:
        self._clear_deadline()
        self.reading.pop(self, None)
        if not self.transport.is_closing():
            logger.debug("%s: %s", _peer(self.client), why)
            self.tally.count(why, at_limit=at_limit)
            self.transport.close()

    def _clear_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None


def _peer(client: tuple[str, int] | None) -> str:
    return f"{client[0]}:{client[1]}" if client else "a client"
