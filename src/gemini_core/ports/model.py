"""The port of the language model that writes the replies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal, Protocol

import msgspec

from gemini_core.model import Role


class ModelTurn(msgspec.Struct, frozen=True):
    """One message of the conversation as the model sees it."""

    role: Role
    text: str


class ModelRequest(msgspec.Struct, frozen=True):
    """What the model is asked: alternating user and model turns, oldest
    first and ending with the prompt to answer, plus an optional system
    instruction and the model to ask."""

    turns: list[ModelTurn]
    system_instruction: str | None = None
    task: Literal["reply", "title"] = "reply"
    """``title``: the last turn asks for a short title of the conversation."""
    model: str | None = None
    """The model to ask (the user's tier's); None: the adapter's default."""


class ModelReply(msgspec.Struct, frozen=True):
    """The model's whole answer, with why it stopped, the tokens it counted
    when the model reports them (the prompt's, the answer's, the thinking's,
    and their total as the model counts it), and which model answered."""

    text: str
    finish_reason: str | None = None
    prompt_tokens: int | None = None
    output_tokens: int | None = None
    thinking_tokens: int | None = None
    total_tokens: int | None = None
    model: str | None = None

    @property
    def tokens(self) -> int | None:
        """What the answer cost in all: the model's total, else the sum of
        the counts it gave; None when it gave none."""
        if self.total_tokens is not None:
            return self.total_tokens
        parts = [self.prompt_tokens, self.output_tokens, self.thinking_tokens]
        known = [count for count in parts if count is not None]
        return sum(known) if known else None


DeltaSink = Callable[[str], Awaitable[None]]


class ChatModel(Protocol):
    """The language model that writes the replies (Gemini, or any other)."""

    async def generate(self, request: ModelRequest, on_delta: DeltaSink) -> ModelReply:
        """Answer the conversation, passing partial text to ``on_delta`` as
        it arrives. Raises ``ModelError`` (or ``ModelRefused``)."""
        ...
