"""All configuration, read once from the environment into one typed object.

Bad values stop start-up with one message listing every problem, each line
naming its variable.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TypeVar

import msgspec

from adapters.phonenumbers_parser import supported_region
from entrypoints import production_rules
from entrypoints.private_files import keep_secret
from entrypoints.settings_model import DEFAULT_SYSTEM_INSTRUCTION, Settings, SettingsError

T = TypeVar("T")

__all__ = [
    "DEFAULT_SYSTEM_INSTRUCTION",
    "Settings",
    "SettingsError",
    "load_settings",
    "startup_warnings",
]

MIN_SECRET_BYTES = production_rules.MIN_SECRET_BYTES


def _text(value: str) -> str:
    return value


def _int(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if number < minimum:
            raise ValueError(f"must be at least {minimum}")
        return number

    return parse


def _budget(value: str) -> int | None:
    """A whole number of at least 0; 0 means no budget (None)."""
    return _int(0)(value) or None


def _float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise ValueError("must be a number, e.g. 30 or 2.5") from None
    if not 0 < number < float("inf"):
        raise ValueError("must be a positive number")
    return number


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("must be true or false")


def _region(value: str) -> str | None:
    if value.lower() == "none":
        return None
    if not supported_region(value.upper()):
        raise ValueError("must be an ISO 3166 alpha-2 region such as IN or GB, or none")
    return value.upper()


def _choice(*options: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return value

    return parse


def _url(*schemes: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if not any(value.startswith(f"{scheme}://") for scheme in schemes):
            raise ValueError(
                f"must be a URL starting with {' or '.join(s + '://' for s in schemes)}"
            )
        return value.rstrip("/")

    return parse


def _networks(value: str) -> tuple[str, ...]:
    """A comma list of IP addresses or CIDR networks, normalised."""
    networks = []
    for item in filter(None, (part.strip() for part in value.split(","))):
        try:
            networks.append(str(ipaddress.ip_network(item, strict=False)))
        except ValueError:
            raise ValueError(f"{item!r} is not an IP address or CIDR network") from None
    return tuple(networks)


_DATABASE_SCHEMES = ("sqlite+aiosqlite", "postgresql+psycopg", "postgresql", "postgres")

# variable -> (field, parser)
_VARIABLES: dict[str, tuple[str, Callable[[str], object]]] = {
    "APP_ENV": ("app_env", _choice("development", "production", "demo", "test")),
    "PORT": ("port", _int(1)),
    "DATA_DIR": ("data_dir", Path),
    "DATABASE_URL": ("database_url", _url(*_DATABASE_SCHEMES)),
    "DB_POOL_SIZE": ("db_pool_size", _int(1)),
    "REDIS_URL": ("redis_url", _url("redis", "rediss", "unix")),
    "REDIS_PREFIX": ("redis_prefix", _text),
    "JWT_SECRET": ("jwt_secret", _text),
    "ACCESS_TOKEN_TTL": ("access_token_ttl", _int(60)),
    "OTP_DELIVERY": ("otp_delivery", _choice("response", "log")),
    "DEFAULT_REGION": ("default_region", _region),
    "CLIENT_RATE_LIMIT": ("client_rate_limit", _int(0)),
    "TRUSTED_PROXIES": ("trusted_proxies", _networks),
    "PASSWORD_HASH_CONCURRENCY": ("password_hash_concurrency", _int(1)),
    "PASSWORD_HASH_QUEUE": ("password_hash_queue", _int(0)),
    "PASSWORD_HASH_WAIT": ("password_hash_wait", _float),
    "HTTP_HEADER_TIMEOUT": ("http_header_timeout", _float),
    "HTTP_BODY_TIMEOUT": ("http_body_timeout", _float),
    "HTTP_MAX_CONNECTIONS": ("http_max_connections", _int(1)),
    "GEMINI_API_KEY": ("gemini_api_key", _text),
    "GEMINI_MODEL": ("gemini_model", _text),
    "GEMINI_MODEL_BASIC": ("gemini_model_basic", _text),
    "GEMINI_MODEL_PRO": ("gemini_model_pro", _text),
    "GEMINI_API_BASE": ("gemini_api_base", _url("http", "https")),
    "GEMINI_STREAM": ("gemini_stream", _bool),
    "REPLY_DEADLINE_SECONDS": ("reply_deadline_seconds", _float),
    "SYSTEM_INSTRUCTION": ("system_instruction", _text),
    "HISTORY_BUDGET_CHARS": ("history_budget_chars", _int(100)),
    "STRIPE_SECRET_KEY": ("stripe_secret_key", _text),
    "STRIPE_PRICE_ID": ("stripe_price_id", _text),
    "STRIPE_WEBHOOK_SECRET": ("stripe_webhook_secret", _text),
    "STRIPE_API_BASE": ("stripe_api_base", _url("http", "https")),
    "PUBLIC_URL": ("public_url", _url("http", "https")),
    "BASIC_DAILY_LIMIT": ("basic_daily_limit", _int(0)),
    "PRO_DAILY_LIMIT": ("pro_daily_limit", _int(0)),
    "DAILY_TOKEN_BUDGET_BASIC": ("daily_token_budget_basic", _budget),
    "DAILY_TOKEN_BUDGET_PRO": ("daily_token_budget_pro", _budget),
    "MAX_ROOMS_PER_USER": ("max_rooms_per_user", _int(1)),
    "MAX_EVENT_STREAMS_PER_USER": ("max_event_streams_per_user", _int(1)),
    "MAX_EVENT_STREAMS_PER_PROCESS": ("max_event_streams_per_process", _int(1)),
    "WORKER_CONCURRENCY": ("worker_concurrency", _int(1)),
    "LOG_LEVEL": ("log_level", _choice("DEBUG", "INFO", "WARNING", "ERROR")),
    "LOG_FORMAT": ("log_format", _choice("text", "json")),
    "ACCESS_LOG": ("access_log", _bool),
    "REPLY_REDELIVER_AFTER": ("reply_redeliver_after", _float),
    "RECLAIM_INTERVAL": ("reclaim_interval", _float),
    "REPLY_REQUEUE_AFTER": ("reply_requeue_after", _float),
    "REPLY_FAIL_AFTER": ("reply_fail_after", _float),
    "REPLY_WRITE_PATIENCE": ("reply_write_patience", _float),
    "SWEEP_INTERVAL": ("sweep_interval", _float),
    "WORKER_HEARTBEAT_INTERVAL": ("worker_heartbeat_interval", _float),
    "MODEL_BREAKER_FAILURES": ("model_breaker_failures", _int(0)),
    "MODEL_BREAKER_COOLDOWN": ("model_breaker_cooldown", _float),
}
_ALIASES = {"DOMAIN": "PUBLIC_URL"}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Decode the environment; raise ``SettingsError`` listing every problem."""
    env = dict(os.environ if environ is None else environ)
    for alias, name in _ALIASES.items():
        if alias in env and name not in env:
            env[name] = env[alias]
    values, problems = _decode(env)
    settings = Settings(**values)  # type: ignore[arg-type]
    # A variable that could not be read is reported once, not again by a
    # rule that then sees its default.
    unreadable = {problem.partition(":")[0] for problem in problems}
    for problem in [
        *production_rules.problems(settings, env),
        *_check_reply_timing(settings),
    ]:
        if problem.partition(":")[0] not in unreadable:
            problems.append(problem)
    if problems:
        raise SettingsError(problems)
    return _with_defaults(settings)


def _decode(env: Mapping[str, str]) -> tuple[dict[str, object], list[str]]:
    values: dict[str, object] = {}
    problems: list[str] = []
    for variable, (field, parse) in _VARIABLES.items():
        raw = env.get(variable)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[field] = parse(raw.strip())
        except ValueError as exc:
            problems.append(f"{variable}: {exc}")
    return values, problems


def startup_warnings(settings: Settings) -> list[str]:
    """What the API and the worker log as warnings when they start."""
    return production_rules.warnings(settings)


MIN_REDELIVER_AFTER = 3.0


def _check_reply_timing(settings: Settings) -> list[str]:
    problems = []
    if settings.reply_redeliver_after < MIN_REDELIVER_AFTER:
        problems.append(
            f"REPLY_REDELIVER_AFTER: must be at least {MIN_REDELIVER_AFTER:g} seconds: live "
            "workers renew their claim every fifth of it, and a shorter silence than a "
            "network hiccup would hand a healthy reply to a second worker"
        )
    if settings.reply_fail_after <= settings.reply_deadline_seconds:
        problems.append(
            "REPLY_FAIL_AFTER: must exceed REPLY_DEADLINE_SECONDS, or the sweep would fail "
            "a reply that is still being answered"
        )
    if settings.reply_fail_after <= settings.reply_requeue_after:
        problems.append("REPLY_FAIL_AFTER: must exceed REPLY_REQUEUE_AFTER")
    return problems


def _with_defaults(settings: Settings) -> Settings:
    """Fill what is derived: the embedded default's paths and secret."""
    changes: dict[str, object] = {}
    if not settings.database_url:
        path = (settings.data_dir / "gemini-clone.sqlite3").resolve()
        changes["database_url"] = f"sqlite+aiosqlite:///{path}"
    if not settings.jwt_secret:
        changes["jwt_secret"] = _development_secret(settings.data_dir)
    return msgspec.structs.replace(settings, **changes) if changes else settings


def _development_secret(data_dir: Path) -> str:
    """Generated once and kept in DATA_DIR, so tokens survive a restart."""
    try:
        return keep_secret(data_dir / "jwt_secret", minimum_length=MIN_SECRET_BYTES)
    except OSError as exc:
        raise SettingsError(f"DATA_DIR: cannot keep the development secret there ({exc})") from None
