"""ModelBreaker: a model outage costs little.

During an outage every reply would retry the model several times within its
deadline. After ``failures`` replies in a row fail the way an outage does
(a retryable ``ModelError``: 5xx, 429, timeouts, a broken connection), the
breaker opens: for ``cooldown_seconds`` replies fail at once without calling
the model. Then one reply is let through to probe; its success closes the
breaker, its failure opens it for another cool-down.

Failing fast rather than waiting is deliberate: a waiting reply would hold
a worker's slot and its user's attention for a cool-down of unknown end,
while a failed one says why ("the model is unavailable; try again shortly")
and gives the day's prompt back at once.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from gemini_core.errors import ModelError
from gemini_core.ports import Clock

logger = logging.getLogger(__name__)

DEFAULT_FAILURES = 5
DEFAULT_COOLDOWN_SECONDS = 30.0


class ModelBreaker:
    """One per process, shared by every reply it runs. Pure bookkeeping on
    the ``Clock``; ``ReplyService`` asks ``admit`` before each model call and
    reports how the call ended."""

    def __init__(
        self,
        clock: Clock,
        *,
        failures: int = DEFAULT_FAILURES,
        cooldown_seconds: float = DEFAULT_COOLDOWN_SECONDS,
    ) -> None:
        if failures < 1 or cooldown_seconds <= 0:
            raise ValueError("a breaker needs failures >= 1 and a positive cool-down")
        self._clock = clock
        self._threshold = failures
        self._cooldown = timedelta(seconds=cooldown_seconds)
        self._failures = 0
        self._open_until: datetime | None = None
        self._probing = False

    @property
    def is_open(self) -> bool:
        """Whether model calls are being refused (a probe may be under way)."""
        return self._open_until is not None

    def admit(self) -> bool:
        """Whether this reply may call the model. While open: no, except for
        the one caller that probes once the cool-down has passed."""
        if self._open_until is None:
            return True
        if self._probing or self._clock.now() < self._open_until:
            return False
        self._probing = True
        logger.info("the model cool-down is over; one reply probes it")
        return True

    def succeeded(self) -> None:
        """The model answered (or refused a request on its merits: it is up)."""
        if self._open_until is not None:
            logger.info("the model is answering again; replies call it as usual")
        self._failures = 0
        self._open_until = None
        self._probing = False

    def failed(self, error: ModelError) -> None:
        """A model call ended in ``error``; only outage-like errors count."""
        if not error.retryable:
            self.succeeded()
            return
        self._failures += 1
        if self._probing or self._failures >= self._threshold:
            self._open(error)

    def abandoned(self) -> None:
        """A call ended without a verdict (cancelled): let another probe."""
        self._probing = False

    def _open(self, error: ModelError) -> None:
        self._open_until = self._clock.now() + self._cooldown
        self._probing = False
        logger.warning(
            "the model is failing (%d replies in a row, last: %s); replies fail at once "
            "for %.0f s, then one probes",
            self._failures,
            error.message,
            self._cooldown.total_seconds(),
        )
