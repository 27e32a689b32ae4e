"""UTC day arithmetic: which quota day a moment is in, when it ends, and
whole seconds to wait until a moment (for ``Retry-After``-style answers)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta


def utc_day(now: datetime) -> date:
    """The quota day a moment belongs to: its date in UTC."""
    return now.astimezone(UTC).date()


def next_utc_midnight(now: datetime) -> datetime:
    """When the quota day of ``now`` ends."""
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=1)


def seconds_until(moment: datetime, now: datetime) -> int:
    """Whole seconds from ``now`` to ``moment``, rounded up, at least 1."""
    delta = (moment - now).total_seconds()
    return max(1, int(-(-delta // 1)))
