"""Mobile numbers: accepted in E.164 and stored normalized."""

from __future__ import annotations

import re

from gemini_core.errors import ValidationFailed

_SEPARATORS = re.compile(r"[\s\-().]")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def normalize_mobile(raw: str) -> str:
    """Return ``raw`` as canonical E.164 (``+`` and 7-15 digits), or raise.

    Spaces, dashes, dots and parentheses people type are dropped; a leading
    ``00`` international prefix becomes ``+``.
    """
    cleaned = _SEPARATORS.sub("", raw.strip())
    if cleaned.startswith("00"):
        cleaned = "+" + cleaned[2:]
    if not _E164.match(cleaned):
        raise ValidationFailed.for_field(
            "mobile_number", "must be in E.164 form, e.g. +919876543210"
        )
    return cleaned


def mask_mobile(mobile: str) -> str:
    """A form safe for logs: the country prefix and the last two digits."""
    return mobile[:3] + "*" * max(0, len(mobile) - 5) + mobile[-2:]
