"""The id of the request a piece of work was started by.

The HTTP layer sets it for each request; the reply queue carries it with a
queued reply and sets it again where the reply runs, so every log line of
one prompt, in the API and in the worker, names the same id. Log records
pick it up through a logging filter; nothing else needs to pass it along.
"""

from __future__ import annotations

from contextvars import ContextVar, Token

_request_id: ContextVar[str | None] = ContextVar("gemini_clone_request_id", default=None)


def current_request_id() -> str | None:
    """The id of the request this code runs for, if any."""
    return _request_id.get()


def set_request_id(request_id: str | None) -> Token[str | None]:
    """Make ``request_id`` current in this context; ``reset_request_id``
    with the token restores the one before."""
    return _request_id.set(request_id)


def reset_request_id(token: Token[str | None]) -> None:
    """Restore the id that was current before the ``set_request_id`` that
    returned ``token``, so one unit of work's id never leaks into the next."""
    _request_id.reset(token)
