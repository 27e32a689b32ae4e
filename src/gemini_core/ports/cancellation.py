"""Port of the stop signal a reply's worker listens for."""

from __future__ import annotations

import uuid
from collections.abc import Collection
from typing import Protocol


class ReplyCancellations(Protocol):
    """Requests to stop replies, seen by whichever process works on them.

    A request outlives the reply's generation by far (the adapters keep it
    for minutes), so a worker that picks the reply up late, or again after
    a crash, still sees it. Best effort like live events: the stored status
    (one conditional write) is what decides the reply's final state."""

    async def request(self, reply_id: uuid.UUID) -> None:
        """Ask every worker to stop the reply; repeating it is harmless."""
        ...

    async def is_requested(self, reply_id: uuid.UUID) -> bool:
        """Whether a stop of the reply was asked for (and not yet expired)."""
        ...

    async def requested_among(self, reply_ids: Collection[uuid.UUID]) -> set[uuid.UUID]:
        """Those of ``reply_ids`` whose stop was asked for: one look for
        every reply a worker has in flight (one round trip, not one each)."""
        ...
