"""A chat model that needs no network: the embedded default when no
GEMINI_API_KEY is configured. It says plainly that it is not Gemini."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable

from gemini_core.model import Role
from gemini_core.ports import DeltaSink, ModelReply, ModelRequest

ECHO_LIMIT = 200
# The model name its replies are stored with.
OFFLINE_MODEL = "offline"
DELTAS = 4
TITLE_WORDS = 6


class OfflineChatModel:
    """Answers deterministically from the last user turn, streamed in a few
    deltas ``delay`` seconds apart (0 for none), as the model ``offline``
    whatever model the request names."""

    def __init__(
        self,
        *,
        delay: float = 0.05,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if delay < 0:
            raise ValueError("delay must not be negative")
        self._delay = delay
        self._sleep = sleep

    async def generate(self, request: ModelRequest, on_delta: DeltaSink) -> ModelReply:
        text = title_for(request) if request.task == "title" else answer_for(request)
        for index, delta in enumerate(split_deltas(text, DELTAS)):
            if index and self._delay:
                await self._sleep(self._delay)
            await on_delta(delta)
        # Counted the way Gemini bills: everything it is sent (each turn and
        # the system instruction) as prompt tokens, a word a token; it does
        # not think.
        prompt_tokens = sum(_words(turn.text) for turn in request.turns)
        prompt_tokens += _words(request.system_instruction or "")
        output_tokens = _words(text)
        return ModelReply(
            text=text,
            finish_reason="STOP",
            prompt_tokens=prompt_tokens,
            output_tokens=output_tokens,
            thinking_tokens=0,
            total_tokens=prompt_tokens + output_tokens,
            model=OFFLINE_MODEL,
        )


def answer_for(request: ModelRequest) -> str:
    prompt = next((turn.text for turn in reversed(request.turns) if turn.role is Role.USER), "")
    echo = " ".join(prompt.split())
    if len(echo) > ECHO_LIMIT:
        echo = echo[: ECHO_LIMIT - 1].rstrip() + "…"
    turns = len(request.turns)
    return (
        "[offline model] This server has no GEMINI_API_KEY configured, so this answer "
        f'was made locally. You said: "{echo}" '
        f"(this conversation has {turns} turn{'' if turns == 1 else 's'} so far)."
    )


def title_for(request: ModelRequest) -> str:
    """A title from the first words of the conversation's first prompt."""
    prompt = next((turn.text for turn in request.turns if turn.role is Role.USER), "")
    words = prompt.split()
    title = " ".join(words[:TITLE_WORDS])
    return title + ("…" if len(words) > TITLE_WORDS else "")


def split_deltas(text: str, count: int) -> list[str]:
    """``text`` in about ``count`` pieces cut at spaces; joined they give ``text`` back."""
    words = text.split(" ")
    size = max(1, math.ceil(len(words) / count))
    chunks = [" ".join(words[i : i + size]) for i in range(0, len(words), size)]
    return [chunks[0], *(" " + chunk for chunk in chunks[1:])]


def _words(text: str) -> int:
    return len(text.split())
