"""The daily prompt quota."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec


def utc_day(now: datetime) -> str:
    """The quota day a moment belongs to, as ``YYYY-MM-DD`` in UTC."""
    return now.astimezone(UTC).strftime("%Y-%m-%d")


def next_utc_midnight(now: datetime) -> datetime:
    """When the quota day of ``now`` ends."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds from ``now`` to ``moment``, rounded up, at least 1."""
    delta = (moment - now).total_seconds()
    return max(1, int(-(-delta // 1)))


class Quota(msgspec.Struct, frozen=True, kw_only=True):
    """Prompts used today against a limit; ``limit`` None means unlimited."""

    limit: int | None
    used: int
    resets_at: datetime

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)
