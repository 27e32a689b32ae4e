"""The event loop the worker runs on: uvloop where it is installed.

uvicorn already picks uvloop by itself for the API (``loop="auto"``); the
worker calls ``asyncio.run``, which would take the pure-Python loop, whose
scheduling and selector work showed as ~10 % of a reply's CPU in the profile.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def run_on_fast_loop(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(main)`` on uvloop, or on asyncio's own loop without it."""
    try:
        import uvloop
    except ImportError:  # an install without the optional speed-up
        return asyncio.run(main)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(main)
