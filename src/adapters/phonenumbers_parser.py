"""``PhoneNumbers`` over the ``phonenumbers`` library (Google's libphonenumber).

One number must be one account, so every way of writing a number comes out
as the same E.164 string: digits of any script (Devanagari, Arabic-Indic,
full-width, ...) are mapped to ASCII here before parsing, spacing and
punctuation are dropped, a ``(0)`` trunk prefix after the country code is
handled by the library, and national numbers are read in the default region
when one is configured. What is not a valid number of a real numbering plan
is refused.
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat

from gemini_core.errors import ValidationFailed

FIELD = "mobile_number"
# More than any real number needs, however it is spaced.
MAX_CHARACTERS = 32
_PUNCTUATION = frozenset(" -.()/\u00a0\u3000")
_PLUS_SIGNS = frozenset("+\uff0b")


def supported_region(code: str) -> bool:
    """Whether ``code`` (ISO 3166-1 alpha-2) is a region the library knows."""
    return code in phonenumbers.SUPPORTED_REGIONS


class LibPhoneNumbers:
    """Parses with ``default_region`` for numbers written without a country
    code; with None, every number must start with ``+`` (or ``00``)."""

    def __init__(self, default_region: str | None = None) -> None:
        if default_region is not None and not supported_region(default_region):
            raise ValueError(f"unknown region {default_region!r}")
        self._region = default_region

    def canonical(self, raw: str) -> str:
        text = self._ascii(raw)
        if self._region is None and text.startswith("00"):
            text = "+" + text[2:]
        if not text.startswith("+") and self._region is None:
            raise _refused(
                "must start with + and the country code, e.g. +919876543210 "
                "(this server has no default region for national numbers)"
            )
        try:
            parsed = phonenumbers.parse(text, self._region)
        except NumberParseException:
            raise _refused(_EXAMPLE) from None
        if parsed.extension:
            raise _refused("must not have an extension")
        if not phonenumbers.is_valid_number(parsed):
            raise _refused(_EXAMPLE)
        return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)

    @staticmethod
    def _ascii(raw: str) -> str:
        """``raw`` with every digit and sign in ASCII; refused when it holds
        anything but digits and what people type between them."""
        text = raw.strip()
        if not text:
            raise _refused("must not be empty")
        if len(text) > MAX_CHARACTERS:
            raise _refused(f"must be at most {MAX_CHARACTERS} characters")
        out: list[str] = []
        for index, char in enumerate(text):
            if char.isdecimal():
                out.append(str(unicodedata.decimal(char)))
            elif char in _PLUS_SIGNS and index == 0:
                out.append("+")
            elif char in _PUNCTUATION:
                out.append(char if char.isascii() else " ")
            else:
                raise _refused(
                    "may contain only digits, spaces, dashes, dots and parentheses "
                    "after an optional leading +"
                )
        return "".join(out)


_EXAMPLE = "is not a valid phone number; use the international form, e.g. +919876543210"


def _refused(problem: str) -> ValidationFailed:
    return ValidationFailed.for_field(FIELD, problem)
