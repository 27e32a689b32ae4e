"""All configuration, read once from the environment into one typed object.

A bad value stops start-up with a message that names the variable.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Literal, TypeVar

import msgspec

from adapters.gemini.config import (
    DEFAULT_API_BASE,
    DEFAULT_MODEL,
    DEFAULT_STREAM,
    DEFAULT_TOTAL_DEADLINE,
)
from adapters.phonenumbers_parser import supported_region

T = TypeVar("T")

MIN_SECRET_BYTES = 32
DEFAULT_SYSTEM_INSTRUCTION = (
    "You are a helpful assistant in a chat application. Answer clearly and concisely."
)


class SettingsError(ValueError):
    """A configuration value is missing or wrong; the message names the variable."""


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    app_env: Literal["development", "production", "test"] = "development"
    port: int = 8000
    data_dir: Path = Path(".gemini-clone")
    database_url: str = ""
    db_pool_size: int = 10
    redis_url: str | None = None
    # Every Redis key and the queue's stream start with this, so several
    # deployments (or test runs) can share one Redis.
    redis_prefix: str = "gc:"
    jwt_secret: str = ""
    access_token_ttl: int = 3600
    otp_delivery: Literal["response", "log"] = "response"
    # ISO 3166 alpha-2 region of numbers written without a country code
    # (docs/SECURITY.md, "Phone numbers"); None: only international numbers.
    default_region: str | None = "IN"
    gemini_api_key: str | None = None
    gemini_model: str = DEFAULT_MODEL
    gemini_api_base: str = DEFAULT_API_BASE
    gemini_stream: bool = DEFAULT_STREAM
    reply_deadline_seconds: float = DEFAULT_TOTAL_DEADLINE
    system_instruction: str = DEFAULT_SYSTEM_INSTRUCTION
    history_budget_chars: int = 24_000
    stripe_secret_key: str | None = None
    stripe_price_id: str | None = None
    stripe_webhook_secret: str | None = None
    stripe_api_base: str | None = None
    public_url: str = "http://localhost:8000"
    basic_daily_limit: int = 5
    pro_daily_limit: int | None = None
    worker_concurrency: int = 100
    log_level: str = "INFO"
    # Logs as text lines or JSON lines; one access log line per request.
    log_format: Literal["text", "json"] = "text"
    access_log: bool = True
    # Seconds a reply may stay pending before the sweep re-enqueues it, and
    # before it gives up and fails it.
    # A reply's task unacknowledged this long is handed to another worker;
    # must exceed REPLY_DEADLINE_SECONDS so a healthy slow reply runs once.
    # Unset: the deadline plus 30 s.
    reply_redeliver_after: float = 0.0
    reclaim_interval: float = 5.0
    reply_requeue_after: float = 180.0
    reply_fail_after: float = 900.0
    sweep_interval: float = 30.0

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"


def _text(value: str) -> str:
    return value


def _int(minimum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        number = int(value)
        if number < minimum:
            raise ValueError(f"must be at least {minimum}")
        return number

    return parse


def _float(value: str) -> float:
    number = float(value)
    if number <= 0:
        raise ValueError("must be positive")
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


_DATABASE_SCHEMES = ("sqlite+aiosqlite", "postgresql+psycopg", "postgresql", "postgres")

# variable -> (field, parser)
_VARIABLES: dict[str, tuple[str, Callable[[str], object]]] = {
    "APP_ENV": ("app_env", _choice("development", "production", "test")),
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
    "GEMINI_API_KEY": ("gemini_api_key", _text),
    "GEMINI_MODEL": ("gemini_model", _text),
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
    "WORKER_CONCURRENCY": ("worker_concurrency", _int(1)),
    "LOG_LEVEL": ("log_level", _choice("DEBUG", "INFO", "WARNING", "ERROR")),
    "LOG_FORMAT": ("log_format", _choice("text", "json")),
    "ACCESS_LOG": ("access_log", _bool),
    "REPLY_REDELIVER_AFTER": ("reply_redeliver_after", _float),
    "RECLAIM_INTERVAL": ("reclaim_interval", _float),
    "REPLY_REQUEUE_AFTER": ("reply_requeue_after", _float),
    "REPLY_FAIL_AFTER": ("reply_fail_after", _float),
    "SWEEP_INTERVAL": ("sweep_interval", _float),
}
_ALIASES = {"DOMAIN": "PUBLIC_URL"}


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Decode the environment; raise ``SettingsError`` naming the variable."""
    env = dict(os.environ if environ is None else environ)
    for alias, name in _ALIASES.items():
        if alias in env and name not in env:
            env[name] = env[alias]
    values: dict[str, object] = {}
    for variable, (field, parse) in _VARIABLES.items():
        raw = env.get(variable)
        if raw is None or raw.strip() == "":
            continue
        try:
            values[field] = parse(raw.strip())
        except ValueError as exc:
            raise SettingsError(f"{variable}: {exc}") from None
    settings = Settings(**values)  # type: ignore[arg-type]
    _check_production(settings, env)
    _check_reply_timing(settings)
    return _with_defaults(settings)


def _check_production(settings: Settings, env: Mapping[str, str]) -> None:
    if not settings.is_production:
        return
    if len(settings.jwt_secret.encode()) < MIN_SECRET_BYTES:
        raise SettingsError(
            f"JWT_SECRET: production needs a secret of at least {MIN_SECRET_BYTES} bytes"
        )
    if not env.get("OTP_DELIVERY", "").strip():
        raise SettingsError("OTP_DELIVERY: production must set it explicitly (response or log)")
    if not settings.database_url:
        raise SettingsError("DATABASE_URL: production needs a database URL")


def _check_reply_timing(settings: Settings) -> None:
    deadline = settings.reply_deadline_seconds
    if settings.reply_redeliver_after and settings.reply_redeliver_after <= deadline:
        raise SettingsError(
            "REPLY_REDELIVER_AFTER: must exceed REPLY_DEADLINE_SECONDS, or a slow reply "
            "would be handed to a second worker while the first still runs it"
        )
    if settings.reply_requeue_after <= deadline:
        raise SettingsError("REPLY_REQUEUE_AFTER: must exceed REPLY_DEADLINE_SECONDS")


def _with_defaults(settings: Settings) -> Settings:
    """Fill what is derived: the embedded default's paths, redelivery timing."""
    changes: dict[str, object] = {}
    if not settings.reply_redeliver_after:
        changes["reply_redeliver_after"] = settings.reply_deadline_seconds + 30.0
    if not settings.database_url:
        path = (settings.data_dir / "gemini-clone.sqlite3").resolve()
        changes["database_url"] = f"sqlite+aiosqlite:///{path}"
    if not settings.jwt_secret:
        changes["jwt_secret"] = _development_secret(settings.data_dir)
    return msgspec.structs.replace(settings, **changes) if changes else settings


def _development_secret(data_dir: Path) -> str:
    """Generated once and kept in DATA_DIR, so tokens survive a restart."""
    path = data_dir / "jwt_secret"
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        if path.exists():
            secret = path.read_text().strip()
            if len(secret) >= MIN_SECRET_BYTES:
                return secret
        secret = secrets.token_urlsafe(48)
        path.write_text(secret)
        path.chmod(0o600)
        return secret
    except OSError as exc:
        raise SettingsError(f"DATA_DIR: cannot keep the development secret there ({exc})") from None
