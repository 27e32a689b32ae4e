"""What the Redis adapters do at their edges, without a Redis server: how
moments are written for Redis, and how an outage reaches the core."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from adapters.redis.epoch import epoch_ms


def test_epoch_ms_counts_whole_milliseconds_from_the_epoch() -> None:
    assert epoch_ms(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert epoch_ms(datetime(2030, 1, 1, 0, 0, 1, 999_999, tzinfo=UTC)) == 1_893_456_001_999
    # The same moment in another zone is the same number.
    paris = timezone(timedelta(hours=1))
    assert epoch_ms(datetime(2030, 1, 1, 1, 0, tzinfo=paris)) == 1_893_456_000_000
