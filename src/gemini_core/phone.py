"""Mobile numbers in logs. Reading them is the ``PhoneNumbers`` port's job."""

from __future__ import annotations


def mask_mobile(mobile: str) -> str:
    """A form safe for logs: the country prefix and the last two digits."""
    return mobile[:3] + "*" * max(0, len(mobile) - 5) + mobile[-2:]
