"""Forgetting the expired entries of a dict without paying for it on every call."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")

# Below this many entries no sweep for expired ones is worth its cost.
MIN_SWEEP_SIZE = 1024


class ExpirySweep(Generic[K, V]):
    """Drops the entries whose ``expires_at(value)`` has come, but only once
    the dict has doubled since the last sweep (and holds ``min_size`` or
    more), so each sweep's O(n) scan is paid for by the inserts that grew it.

    Call it before inserting a new key; the lookups drop an expired entry
    they meet themselves.
    """

    def __init__(
        self, expires_at: Callable[[V], datetime], *, min_size: int = MIN_SWEEP_SIZE
    ) -> None:
        self._expires_at = expires_at
        self._min_size = min_size
        self._next_sweep = min_size

    def __call__(self, entries: dict[K, V], now: datetime) -> None:
        if len(entries) < self._next_sweep:
            return
        expired = [key for key, value in entries.items() if now >= self._expires_at(value)]
        for key in expired:
            del entries[key]
        self._next_sweep = max(self._min_size, 2 * len(entries))
