"""What one run of a queued reply did, for its closing log line."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

logger = logging.getLogger("gemini_core.services.replies")


class ReplyRun:
    """What one ``generate`` call did, for its closing log line."""

    def __init__(self, reply_id: uuid.UUID, started_at: datetime) -> None:
        self.reply_id = reply_id
        self.started_at = started_at
        self.outcome = "skipped"
        self.reason: str | None = None
        self.deliveries: int | None = None
        self.model_seconds: float | None = None

    def log(self, now: datetime) -> None:
        """One INFO line: the reply, its outcome and reason, its deliveries,
        the model's time and the whole time."""
        model = "-" if self.model_seconds is None else f"{self.model_seconds:.2f}s"
        logger.info(
            "reply %s %s%s: deliveries=%s model=%s total=%.2fs",
            self.reply_id,
            self.outcome,
            f" ({self.reason})" if self.reason else "",
            "-" if self.deliveries is None else self.deliveries,
            model,
            (now - self.started_at).total_seconds(),
        )
