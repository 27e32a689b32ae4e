"""The typed settings of one deployment: every field, its default, and what
the combination means (``is_production``); reading them from the
environment is ``entrypoints.settings``."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Literal

import msgspec

from adapters.gemini.config import (
    DEFAULT_API_BASE,
    DEFAULT_MODEL,
    DEFAULT_STREAM,
    DEFAULT_TOTAL_DEADLINE,
)

DEFAULT_SYSTEM_INSTRUCTION = (
    "You are a helpful assistant in a chat application. Answer clearly and concisely."
)


class SettingsError(ValueError):
    """Configuration values are missing or wrong: ``problems`` lists each one,
    ``VARIABLE: what is wrong``, and the message has them one per line."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    # demo: production's rules, but codes may be returned in responses.
    app_env: Literal["development", "production", "demo", "test"] = "development"
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
    # Abuse limits (docs/SECURITY.md): requests a minute per client address
    # and route family on the unauthenticated auth routes (0: off), the
    # proxies whose X-Forwarded-For is believed, password hashes at once per
    # process with the callers that may wait for one and for how long, and
    # the slow-client bounds of `gemini-clone serve`.
    client_rate_limit: int = 20
    trusted_proxies: tuple[str, ...] = ()
    password_hash_concurrency: int = 0  # 0: half the cores, at least 1
    password_hash_queue: int = 8
    password_hash_wait: float = 2.0
    http_header_timeout: float = 10.0
    http_body_timeout: float = 30.0
    http_max_connections: int = 2000
    gemini_api_key: str | None = None
    gemini_model: str = DEFAULT_MODEL
    # The model that answers each tier's prompts; None: GEMINI_MODEL.
    gemini_model_basic: str | None = None
    gemini_model_pro: str | None = None
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
    # Tokens a day each tier's replies may use (prompt, answer and thinking,
    # as the model counts them); None (0 or unset): unlimited.
    daily_token_budget_basic: int | None = None
    daily_token_budget_pro: int | None = None
    # What one user may keep open or stored at once (event streams: across
    # every API process), and the event streams one API process holds at most.
    max_rooms_per_user: int = 500
    max_event_streams_per_user: int = 10
    max_event_streams_per_process: int = 1000
    worker_concurrency: int = 100
    log_level: str = "INFO"
    # Logs as text lines or JSON lines; one access log line per request.
    log_format: Literal["text", "json"] = "text"
    access_log: bool = True
    # -- replies that nothing may lose or leave stuck (docs/OPERATIONS.md) --
    # A live worker renews its claim on the replies it runs every fifth of
    # REPLY_REDELIVER_AFTER; a reply whose worker stayed silent that long
    # (killed, or stuck) is handed to another worker. A healthy slow reply
    # keeps its claim however long it runs, so this is independent of
    # REPLY_DEADLINE_SECONDS.
    reply_redeliver_after: float = 15.0
    # How often each worker looks for silent replies to take over.
    reclaim_interval: float = 5.0
    # A reply pending this long that the queue no longer holds (lost with a
    # Redis restart, or never enqueued) is enqueued again by the sweep...
    reply_requeue_after: float = 30.0
    # ...and one pending this long is failed, its quota given back; must
    # exceed REPLY_DEADLINE_SECONDS.
    reply_fail_after: float = 900.0
    # A reply's final write rides out a database outage this long (a
    # PostgreSQL restart, a failover); then the reply is left to be
    # delivered again.
    reply_write_patience: float = 30.0
    sweep_interval: float = 30.0
    # Each worker's heartbeat; a beat lives three intervals.
    worker_heartbeat_interval: float = 5.0
    # After this many replies in a row fail the way a model outage does, a
    # process fails replies at once for MODEL_BREAKER_COOLDOWN seconds, then
    # lets one probe. 0 turns the breaker off.
    model_breaker_failures: int = 5
    model_breaker_cooldown: float = 30.0

    def reply_model(self, tier: str) -> str:
        """The model that answers the prompts of ``tier`` (``basic``/``pro``)."""
        chosen = self.gemini_model_pro if tier == "pro" else self.gemini_model_basic
        return chosen or self.gemini_model

    @property
    def is_production(self) -> bool:
        return self.app_env == "production"

    @property
    def is_production_like(self) -> bool:
        """Production or a public demo: the same rules protect both."""
        return self.app_env in ("production", "demo")
