"""When to retry a Gemini call and how long to wait before the next attempt."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from adapters.gemini.wire import QUOTA_FAILURE_TYPE, RETRY_INFO_TYPE, ErrorDetail

# 408 and 429 are "try again later"; the 5xx listed are the transient server
# faults. Any other status will fail the same way every time.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


@dataclass(frozen=True)
class BackoffPolicy:
    """Exponential backoff with full jitter, capped; a server's hint wins."""

    initial: float = 1.0
    maximum: float = 60.0

    def ceiling(self, attempt: int) -> float:
        """The longest wait after failed attempt number ``attempt`` (1-based)."""
        # min() before the power would overflow for a silly attempt count.
        exponent = min(attempt - 1, 64)
        return min(self.maximum, self.initial * math.pow(2, exponent))

    def delay(self, attempt: int, hint: float | None, random: Callable[[], float]) -> float:
        """Seconds to wait after failed attempt ``attempt``; ``random`` returns
        a float in [0, 1)."""
        if hint is not None:
            return min(max(hint, 0.0), self.maximum)
        return random() * self.ceiling(attempt)


def parse_retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds; the HTTP-date form is not used by Google
    and is ignored (the backoff applies instead)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if math.isfinite(seconds) and seconds >= 0 else None


def parse_duration(value: str | None) -> float | None:
    """A protobuf Duration in JSON form (``"17s"``, ``"0.5s"``) in seconds."""
    if value is None:
        return None
    match = _DURATION.match(value)
    return float(match.group(1)) if match else None


def retry_info_delay(details: Iterable[ErrorDetail]) -> float | None:
    for detail in details:
        if detail.type == RETRY_INFO_TYPE:
            delay = parse_duration(detail.retry_delay)
            if delay is not None:
                return delay
    return None


def is_daily_quota(details: Iterable[ErrorDetail]) -> bool:
    """A 429 for a per-day quota: waiting seconds or minutes will not help."""
    return any(
        violation.quota_id is not None and "PerDay" in violation.quota_id
        for detail in details
        if detail.type == QUOTA_FAILURE_TYPE
        for violation in detail.violations
    )
