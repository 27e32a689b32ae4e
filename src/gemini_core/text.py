"""Rules for the text people send, kept in the core so that every entrypoint
(the API, the CLI, a library caller) and every storage backend treat it alike.

Control characters are refused: NUL cannot be stored by PostgreSQL at all
(SQLite would keep it), and the others have no business in a name. Message
content may hold tabs and line breaks.
"""

from __future__ import annotations

import re

from gemini_core.errors import ValidationFailed

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_BUT_TAB_AND_BREAKS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_text(
    value: str, field: str, *, maximum: int | None = None, multiline: bool = False
) -> None:
    """Raise ``ValidationFailed`` naming ``field`` when ``value`` holds a
    control character (tab, line feed and carriage return are allowed when
    ``multiline``) or has more than ``maximum`` characters (code points)."""
    found = (_CONTROL_BUT_TAB_AND_BREAKS if multiline else _CONTROL).search(value)
    if found is not None:
        allowed = " other than tabs and line breaks" if multiline else ""
        raise ValidationFailed.for_field(
            field,
            f"must not contain control characters{allowed} "
            f"(found U+{ord(found.group()):04X} at character {found.start() + 1})",
        )
    if maximum is not None and len(value) > maximum:
        raise ValidationFailed.for_field(field, f"must be at most {maximum} characters")


def storable(text: str) -> str:
    """Text that came from outside (the model's answer) made storable on every
    backend: NUL, which PostgreSQL refuses, becomes U+FFFD."""
    return text.replace("\x00", "\ufffd")


def clean_text(text: str, field: str, maximum: int, *, strip: bool) -> str:
    """A room name (stripped, one line) or a prompt (as sent, tabs and line
    breaks allowed), or ``ValidationFailed`` naming ``field``."""
    value = text.strip() if strip else text
    if not value.strip():
        raise ValidationFailed.for_field(field, "must not be empty")
    check_text(value, field, maximum=maximum, multiline=not strip)
    return value
