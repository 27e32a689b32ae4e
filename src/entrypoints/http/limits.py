"""Request body limits, per route.

Length limits are counted in characters (code points) by the core; a body
limit is in bytes, and JSON may spell one character as a 12-byte escaped
surrogate pair (``\\ud83d\\ude00``). So a route whose body may carry long text
gets a limit sized for its longest valid body written that way; every other
route keeps the small default.
"""

from __future__ import annotations

from gemini_core.model.chat import CONTENT_MAX

KIB = 1024
MIB = 1024 * KIB
# The most bytes one character can take in JSON: an astral character as an
# escaped surrogate pair.
ESCAPED_CHARACTER_BYTES = 12
# Room for the field names, whitespace and the rest of a body.
SLACK_BYTES = 4 * KIB


def _whole_kib(size: int) -> int:
    return -(-size // KIB) * KIB


# Auth bodies (a number, a name, an email, passwords of at most 1 KiB) and a
# room name fit many times over.
DEFAULT_MAX_BODY = 64 * KIB
# A prompt of CONTENT_MAX characters, every one escaped as a surrogate pair.
MESSAGE_MAX_BODY = _whole_kib(CONTENT_MAX * ESCAPED_CHARACTER_BYTES + SLACK_BYTES)
# Stripe's events carry whole objects (an invoice with its lines, metadata) and
# are signed as sent, so they cannot be trimmed: generous, but bounded.
STRIPE_WEBHOOK_MAX_BODY = 1 * MIB


def describe(size: int) -> str:
    """``size`` bytes for a person: ``98 KiB``, ``1 MiB``."""
    if size % MIB == 0:
        return f"{size // MIB} MiB"
    if size % KIB == 0:
        return f"{size // KIB} KiB"
    return f"{size} bytes"
