"""Named leases in a dict: enough when one process runs everything."""

from __future__ import annotations

from datetime import datetime, timedelta

from gemini_core.ports import Clock


class InMemoryLeases:
    """``Lease`` for a single process: a name is held until its time runs out."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._held_until: dict[str, datetime] = {}

    async def acquire(self, name: str, seconds: float) -> bool:
        now = self._clock.now()
        until = self._held_until.get(name)
        if until is not None and now < until:
            return False
        self._held_until[name] = now + timedelta(seconds=seconds)
        return True
