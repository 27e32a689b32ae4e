"""Reading Gemini's answer: the server-sent events of the stream, each
chunk's JSON, and the answer put together chunk by chunk."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator

import msgspec

from adapters.gemini import wire
from adapters.gemini.failures import status_failure
from gemini_core.errors import ModelError, ModelRefused
from gemini_core.ports import ModelReply

# Finish reasons that mean Gemini withheld the answer on purpose.
BLOCKED_FINISH_REASONS = frozenset(
    {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"}
)


class Answer:
    """The answer as it arrives, chunk by chunk (one chunk when not streaming)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.parts: list[str] = []
        self.finish_reason: str | None = None
        self.prompt_tokens: int | None = None
        self.output_tokens: int | None = None
        self.thinking_tokens: int | None = None
        self.total_tokens: int | None = None
        # The version that answered (``modelVersion``), e.g. gemini-2.5-flash.
        self.model_version: str | None = None
        self.saw_candidate = False

    def add(self, chunk: wire.GenerateContentResponse) -> str:
        """Take one chunk; returns its new text. Raises when the chunk says
        the prompt was blocked or the stream failed."""
        if chunk.error is not None:
            raise status_failure(chunk.error.code or 500, chunk.error, self.model)
        feedback = chunk.prompt_feedback
        if feedback is not None and feedback.block_reason:
            raise ModelRefused(f"Gemini blocked this prompt (reason: {feedback.block_reason})")
        if chunk.usage_metadata is not None:
            self._count(chunk.usage_metadata)
        if chunk.model_version:
            self.model_version = chunk.model_version
        if not chunk.candidates:
            return ""
        self.saw_candidate = True
        candidate = chunk.candidates[0]
        if candidate.finish_reason:
            self.finish_reason = candidate.finish_reason
        content = candidate.content
        text = (
            "".join(part.text for part in content.parts if part.text and not part.thought)
            if content is not None
            else ""
        )
        if text:
            self.parts.append(text)
        return text

    def _count(self, usage: wire.UsageMetadata) -> None:
        # Each chunk carries the running totals; the last one is final.
        if usage.prompt_token_count is not None:
            self.prompt_tokens = usage.prompt_token_count
        if usage.candidates_token_count is not None:
            self.output_tokens = usage.candidates_token_count
        if usage.thoughts_token_count is not None:
            self.thinking_tokens = usage.thoughts_token_count
        if usage.total_token_count is not None:
            self.total_tokens = usage.total_token_count

    def finish(self) -> ModelReply:
        text = "".join(self.parts)
        reason = self.finish_reason
        if not text.strip():
            if reason in BLOCKED_FINISH_REASONS:
                raise ModelRefused(f"Gemini blocked the answer (reason: {reason})")
            if reason == "MAX_TOKENS":
                raise ModelError("the model ran out of output tokens before answering")
            if not self.saw_candidate:
                raise ModelError("Gemini sent no answer")
            raise ModelError(f"Gemini sent an empty answer (reason: {reason or 'unknown'})")
        return ModelReply(
            text=text,
            finish_reason=reason,
            prompt_tokens=self.prompt_tokens,
            output_tokens=self.output_tokens,
            thinking_tokens=self.thinking_tokens,
            total_tokens=self.total_tokens,
            model=self.model_version or self.model,
        )


def decode_chunk(data: bytes | str) -> wire.GenerateContentResponse:
    try:
        return wire.decode_response(data)
    except msgspec.DecodeError as exc:
        raise ModelError("Gemini sent an answer that could not be read") from exc


async def sse_data(lines: AsyncIterator[str]) -> AsyncGenerator[str, None]:
    """The ``data`` of each server-sent event. An event not closed by a blank
    line when the stream ends is incomplete and dropped, as the SSE spec says."""
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield "\n".join(data)
                data = []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        if name == "data":
            data.append(value.removeprefix(" "))
