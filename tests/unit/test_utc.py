"""UTC day arithmetic: the quota day, its end, and whole seconds to wait."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from gemini_core.utc import next_utc_midnight, seconds_until, utc_day

TOKYO = timezone(timedelta(hours=9))


def test_the_day_is_the_utc_one_whatever_the_zone() -> None:
    # 08:30 on the 2nd in Tokyo is still the 1st in UTC.
    assert utc_day(datetime(2030, 1, 2, 8, 30, tzinfo=TOKYO)) == date(2030, 1, 1)


def test_the_day_ends_at_the_next_utc_midnight() -> None:
    assert next_utc_midnight(datetime(2030, 1, 2, 8, 30, tzinfo=TOKYO)) == datetime(
        2030, 1, 2, tzinfo=UTC
    )
    assert next_utc_midnight(datetime(2030, 1, 1, tzinfo=UTC)) == datetime(2030, 1, 2, tzinfo=UTC)


def test_seconds_until_rounds_up_and_is_at_least_one() -> None:
    now = datetime(2030, 1, 1, tzinfo=UTC)

    assert seconds_until(now + timedelta(seconds=1.2), now) == 2
    assert seconds_until(now + timedelta(seconds=3), now) == 3
    assert seconds_until(now, now) == 1
    assert seconds_until(now - timedelta(hours=1), now) == 1
