"""Dependencies resolved one after another, not in a task group.

Litestar resolves a handler's dependencies in batches (each batch needs only
the ones before it) and runs a batch of two or more in an anyio task group.
Here a batch is the injected services (instant: each returns the one
instance the container built) and at most one awaited dependency (the
caller's user), so nothing runs concurrently anyway, while a task group of
two or three tasks cost about 0.45 ms of CPU a request: half of a cached
``GET /chatroom`` (``python -m bench.inproc``, bench/README.md).

Each batch is split into batches of one, in the same order, which Litestar
resolves in turn without a task group: its own path for a batch of one.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar


def resolve_in_turn(app: Litestar) -> None:
    """Split every route's dependency batches into batches of one."""
    for route in app.routes:
        for _, model in getattr(route, "route_handler_map", {}).values():
            model.dependency_batches = split_batches(model.dependency_batches)


def split_batches(batches: list[set[Any]]) -> list[set[Any]]:
    """The same dependencies, one per batch, a batch's in any order (none of
    them needs another of its batch)."""
    return [{dependency} for batch in batches for dependency in batch]
