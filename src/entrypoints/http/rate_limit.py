"""The ``RateLimit-*`` headers (IETF draft), built in one place for the
accepted prompt (what is left) and the refused one (nothing is)."""

from __future__ import annotations


def rate_limit_headers(*, limit: int, remaining: int, reset_seconds: int) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(reset_seconds),
    }
