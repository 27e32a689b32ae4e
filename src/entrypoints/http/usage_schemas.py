"""Response shapes of what prompts and replies cost (issue 15): a reply's
tokens, and today's prompts and tokens against the tier's limit and budget.
Kept apart from ``schemas`` so that each module stays small."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from entrypoints.http import fields as f
from entrypoints.http.fields import doc
from gemini_core.model import Message

__all__ = ["MessageUsageOut", "UsageOut"]


class MessageUsageOut(msgspec.Struct, kw_only=True):
    """What a completed reply cost, in tokens as the model counted them (a
    count the model did not report is null)."""

    prompt_tokens: Annotated[
        int | None, doc("the conversation sent to the model (history, instruction, prompt)", 412)
    ]
    output_tokens: Annotated[int | None, doc("the answer's text", 187)]
    thinking_tokens: Annotated[
        int | None, doc("the model's thinking before it answered (0 or null without)", 96)
    ]
    total_tokens: Annotated[
        int | None, doc("all of them: what counts against the daily token budget", 695)
    ]

    @classmethod
    def of(cls, message: Message) -> MessageUsageOut | None:
        counts = (
            message.prompt_tokens,
            message.output_tokens,
            message.thinking_tokens,
            message.total_tokens,
        )
        if all(count is None for count in counts):
            return None
        return cls(
            prompt_tokens=message.prompt_tokens,
            output_tokens=message.output_tokens,
            thinking_tokens=message.thinking_tokens,
            total_tokens=message.total_tokens,
        )


class UsageOut(msgspec.Struct, kw_only=True):
    """Today's prompts against the daily limit, and the tokens today's
    replies used against the daily token budget."""

    used_today: Annotated[int, doc("prompts sent since the last UTC midnight", 3)]
    daily_limit: Annotated[int | None, doc("prompts allowed a day; null when unlimited", 5, None)]
    tokens_today: Annotated[
        int, doc("tokens the replies completed since the last UTC midnight used", 2085)
    ]
    daily_token_budget: Annotated[
        int | None,
        doc(
            "tokens a day the replies may use; once reached, prompts answer 429 "
            "`token_budget_exhausted` until the reset; null when unlimited",
            50000,
            None,
        ),
    ]
    resets_at: Annotated[
        datetime, doc("when the count starts again (UTC midnight)", f.QUOTA_RESETS_AT)
    ]
