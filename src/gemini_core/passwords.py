"""The password policy (NIST SP 800-63B style): length and a deny-list, no
composition rules."""

from __future__ import annotations

from gemini_core.common_passwords import COMMON_PASSWORDS
from gemini_core.errors import ValidationFailed
from gemini_core.text import check_text

MIN_LENGTH = 8
# Long passphrases are welcome; the byte cap only stops a huge body from
# costing a slow hash.
MAX_BYTES = 1024


def check_password(password: str, field: str = "password") -> None:
    """Raise ``ValidationFailed`` naming ``field`` when the password is refused."""
    check_text(password, field)
    problem: str | None = None
    if len(password) < MIN_LENGTH:
        problem = f"must be at least {MIN_LENGTH} characters"
    elif len(password.encode("utf-8")) > MAX_BYTES:
        problem = f"must be at most {MAX_BYTES} bytes"
    elif password.lower() in COMMON_PASSWORDS:
        problem = "is too common; choose another"
    if problem is not None:
        raise ValidationFailed.for_field(field, problem)
