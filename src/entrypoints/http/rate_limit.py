"""The ``RateLimit-*`` headers (IETF draft), built in one place for the
accepted prompt (what is left) and the refused one (nothing is)."""

from __future__ import annotations

from gemini_core.model import Quota


def rate_limit_headers(*, limit: int, remaining: int, reset_seconds: int) -> dict[str, str]:
    return {
        "RateLimit-Limit": str(limit),
        "RateLimit-Remaining": str(remaining),
        "RateLimit-Reset": str(reset_seconds),
    }


def accepted_prompt_headers(quota: Quota, resets_in: int) -> dict[str, str]:
    """The RateLimit-* headers of an accepted prompt or new version; none
    when the tier has no daily limit (Pro)."""
    if quota.limit is None:
        return {}
    return rate_limit_headers(
        limit=quota.limit, remaining=quota.remaining or 0, reset_seconds=resets_in
    )
