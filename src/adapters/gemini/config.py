"""How to reach Gemini and how hard to try, with the defaults the settings
use too (this module is their one source; it imports no HTTP library, so
reading the settings stays cheap)."""

from __future__ import annotations

from dataclasses import dataclass, field

DEFAULT_MODEL = "gemini-2.5-flash"
DEFAULT_API_BASE = "https://generativelanguage.googleapis.com"
DEFAULT_STREAM = True
# Seconds for a whole answer, every attempt and wait between attempts included.
DEFAULT_TOTAL_DEADLINE = 120.0


@dataclass(frozen=True)
class GeminiConfig:
    """How to reach Gemini and how hard to try. Times are in seconds."""

    # Kept out of repr so that logging the config cannot leak the key.
    api_key: str = field(repr=False)
    model: str = DEFAULT_MODEL
    api_base: str = DEFAULT_API_BASE
    stream: bool = DEFAULT_STREAM
    max_attempts: int = 5
    backoff_initial: float = 1.0
    backoff_max: float = 60.0
    total_deadline: float = DEFAULT_TOTAL_DEADLINE
    read_timeout: float = 30.0
    connect_timeout: float = 10.0
    temperature: float | None = None
    max_output_tokens: int | None = None

    def __post_init__(self) -> None:
        if not self.api_key:
            raise ValueError("GeminiConfig.api_key must not be empty")
        if not self.model.removeprefix("models/"):
            raise ValueError("GeminiConfig.model must not be empty")
        if self.max_attempts < 1:
            raise ValueError("GeminiConfig.max_attempts must be at least 1")
        if self.backoff_initial < 0 or self.backoff_max < self.backoff_initial:
            raise ValueError("GeminiConfig needs 0 <= backoff_initial <= backoff_max")
        if self.total_deadline <= 0 or self.read_timeout <= 0 or self.connect_timeout <= 0:
            raise ValueError("GeminiConfig deadlines and timeouts must be positive")
        if self.max_output_tokens is not None and self.max_output_tokens < 1:
            raise ValueError("GeminiConfig.max_output_tokens must be at least 1")
