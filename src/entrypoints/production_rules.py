"""What production (and a public demo) refuse to start with, and what they
warn about: the settings that protect the operator and the users.

Each rule answers ``VARIABLE: what is wrong and what to do``, in words for
the person reading a failed start-up; ``problems`` gives them all at once.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from entrypoints.settings_model import Settings

MIN_SECRET_BYTES = 32
# A rough floor: the secret's length times the Shannon entropy of its own
# characters. 32 random hex digits score about 115, a word repeated to 32
# characters under 90, one character repeated 0.
MIN_SECRET_BITS = 90
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1", "0.0.0.0")  # noqa: S104 - a name, not a bind
_MAKE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"


def problems(settings: Settings, env: Mapping[str, str]) -> list[str]:
    """Every reason production or demo settings are unsafe; none elsewhere."""
    if not settings.is_production_like:
        return []
    found = [
        _secret_problem(settings.jwt_secret),
        _otp_delivery_problem(settings, env),
        _database_problem(settings),
        _public_url_problem(settings.public_url, env),
    ]
    return [problem for problem in found if problem]


def warnings(settings: Settings) -> list[str]:
    """What the API and the worker log as warnings at start-up."""
    found = []
    if settings.app_env == "demo" and settings.otp_delivery == "response":
        found.append(
            "APP_ENV=demo: one-time codes are returned in HTTP responses "
            "(OTP_DELIVERY=response), so anyone can log in as any mobile number; "
            "this is unsafe for real users"
        )
    if settings.is_production_like and settings.log_level == "DEBUG":
        found.append(
            f"LOG_LEVEL=DEBUG in {settings.app_env}: debug logs are large and libraries "
            "write request details into them; use INFO unless you are chasing a problem"
        )
    return found


def estimated_bits(secret: str) -> float:
    """A rough estimate of a secret's strength: its length times the Shannon
    entropy of its characters (it cannot see patterns such as ``abcdef``)."""
    counts = Counter(secret)
    total = len(secret)
    per_character = -sum(n / total * math.log2(n / total) for n in counts.values())
    return max(0.0, per_character * total)


def _repeats_a_pattern(secret: str) -> bool:
    # A string is a repetition of a shorter one exactly when it occurs in
    # itself doubled before its own length.
    return len(secret) > 1 and (secret + secret).find(secret, 1) < len(secret)


def _secret_problem(secret: str) -> str | None:
    if not secret:
        return f"JWT_SECRET: must be set in production; make one with {_MAKE_SECRET}"
    if len(secret.encode()) < MIN_SECRET_BYTES:
        return (
            f"JWT_SECRET: production needs a secret of at least {MIN_SECRET_BYTES} bytes "
            f"(this one has {len(secret.encode())}); make one with {_MAKE_SECRET}"
        )
    bits = estimated_bits(secret)
    if _repeats_a_pattern(secret) or bits < MIN_SECRET_BITS:
        return (
            "JWT_SECRET: is too easy to guess: it repeats a short pattern or has too few "
            f"different characters (about {bits:.0f} bits by a rough estimate; production "
            f"needs {MIN_SECRET_BITS} or more); make a random one with {_MAKE_SECRET}"
        )
    return None


def _otp_delivery_problem(settings: Settings, env: Mapping[str, str]) -> str | None:
    if settings.app_env != "production":
        return None  # a demo returns codes on purpose, and warns at start-up
    if not env.get("OTP_DELIVERY", "").strip():
        return "OTP_DELIVERY: production must set it explicitly (log)"
    if settings.otp_delivery == "response":
        return (
            "OTP_DELIVERY: production must not return one-time codes in responses "
            "(anyone could read anyone's code and log in as them); use log, or run a "
            "public demo with APP_ENV=demo"
        )
    return None


def _database_problem(settings: Settings) -> str | None:
    if not settings.database_url:
        return f"DATABASE_URL: {settings.app_env} needs a database URL"
    if settings.database_url.startswith("sqlite") and settings.redis_url:
        return (
            "DATABASE_URL: SQLite serves one process only, but REDIS_URL is set, so "
            "replies run in separate `gemini-clone worker` processes; use PostgreSQL "
            "(postgresql+psycopg://...)"
        )
    return None


def _public_url_problem(public_url: str, env: Mapping[str, str]) -> str | None:
    host = (urlsplit(public_url).hostname or "").lower()
    if host in _LOCAL_HOSTS or host.endswith(".localhost"):
        given = env.get("PUBLIC_URL", "").strip()
        hint = f"points at {host}" if given else "is left at its default"
        return (
            f"PUBLIC_URL: {hint}; set it to the address people reach this service at "
            "(payers are sent back there after Checkout), e.g. https://chat.example.com"
        )
    return None
