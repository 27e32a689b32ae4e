"""Moments as Redis wants them: whole milliseconds since the Unix epoch."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MILLISECOND = timedelta(milliseconds=1)


def epoch_ms(moment: datetime) -> int:
    """``moment`` (timezone-aware) in epoch milliseconds, rounded down, for
    PEXPIREAT and for the times the Lua scripts compare."""
    return (moment - _EPOCH) // _MILLISECOND
