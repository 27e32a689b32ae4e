"""The ChatModel port on Gemini's REST API (``generateContent`` and its SSE stream)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random as _random
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from types import TracebackType
from urllib.parse import quote

import httpx
import msgspec

from adapters.gemini import wire
from adapters.gemini.config import GeminiConfig
from adapters.gemini.retry import (
    RETRYABLE_STATUSES,
    BackoffPolicy,
    is_daily_quota,
    parse_retry_after,
    retry_info_delay,
)
from gemini_core.errors import ModelError, ModelRefused
from gemini_core.model import Role
from gemini_core.ports import DeltaSink, ModelReply, ModelRequest

logger = logging.getLogger(__name__)

# Finish reasons that mean Gemini withheld the answer on purpose.
BLOCKED_FINISH_REASONS = frozenset(
    {"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION"}
)

# Failures of the connection rather than of the request: the next attempt may
# well succeed. (UnsupportedProtocol, ProxyError and the like will not.)
_TRANSIENT_ERRORS = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)

_ROLES = {Role.USER: "user", Role.MODEL: "model"}
_API_KEY_REASONS = frozenset({"API_KEY_INVALID", "API_KEY_EXPIRED"})

Sleep = Callable[[float], Awaitable[None]]


class _Transient(Exception):
    """One attempt failed in a way the next attempt may not."""

    def __init__(
        self, reason: str, *, status: int | None = None, retry_after: float | None = None
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


class GeminiChatModel:
    """``ChatModel`` backed by Gemini, with retries, backoff and one deadline.

    Pass ``client`` to share an ``httpx.AsyncClient`` (it is then not closed
    here), or ``transport`` to build one over a custom transport (tests).
    ``sleep``, ``random`` and ``clock`` are injectable so that retry schedules
    can be tested without waiting.
    """

    def __init__(
        self,
        config: GeminiConfig,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if client is not None and transport is not None:
            raise ValueError("pass either client or transport, not both")
        self._config = config
        self._timeout = httpx.Timeout(
            connect=config.connect_timeout,
            read=config.read_timeout,
            write=config.read_timeout,
            pool=config.connect_timeout,
        )
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(transport=transport, timeout=self._timeout)
        self._sleep = sleep
        self._random = random
        self._clock = clock
        self._policy = BackoffPolicy(initial=config.backoff_initial, maximum=config.backoff_max)
        self._model_name = config.model.removeprefix("models/")
        base = f"{config.api_base.rstrip('/')}/v1beta/models/{quote(self._model_name, safe='')}"
        self._url = base + (":streamGenerateContent" if config.stream else ":generateContent")
        self._params = {"alt": "sse"} if config.stream else {}
        self._headers = {
            "x-goog-api-key": config.api_key,
            "content-type": "application/json",
            "accept": "text/event-stream" if config.stream else "application/json",
        }

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> GeminiChatModel:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def generate(self, request: ModelRequest, on_delta: DeltaSink) -> ModelReply:
        if not request.turns:
            raise ModelError("there is no prompt to answer")
        body = wire.encode_request(self._wire_request(request))
        config = self._config
        deadline = self._clock() + config.total_deadline
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise _deadline_error()
            try:
                async with asyncio.timeout(remaining) as scope:
                    return await self._attempt(body, on_delta)
            except TimeoutError:
                if scope.expired():
                    raise _deadline_error() from None
                raise
            except _Transient as failure:
                if attempt >= config.max_attempts:
                    raise ModelError(
                        f"{failure.reason}; gave up after {attempt} attempts"
                    ) from failure
                delay = self._policy.delay(attempt, failure.retry_after, self._random)
                if self._clock() + delay >= deadline:
                    # Sleeping into the deadline would only end in this error later.
                    raise _deadline_error() from failure
                logger.warning(
                    "Gemini attempt %d of %d failed (%s, status %s); retrying in %.2fs",
                    attempt,
                    config.max_attempts,
                    failure.reason,
                    failure.status if failure.status is not None else "none",
                    delay,
                )
                await self._sleep(delay)

    def _wire_request(self, request: ModelRequest) -> wire.GenerateContentRequest:
        config = self._config
        generation = None
        if config.temperature is not None or config.max_output_tokens is not None:
            generation = wire.GenerationConfig(
                temperature=config.temperature, max_output_tokens=config.max_output_tokens
            )
        system = None
        if request.system_instruction:
            system = wire.Content(parts=[wire.Part(text=request.system_instruction)])
        return wire.GenerateContentRequest(
            contents=[
                wire.Content(role=_ROLES[turn.role], parts=[wire.Part(text=turn.text)])
                for turn in request.turns
            ],
            system_instruction=system,
            generation_config=generation,
        )

    async def _attempt(self, body: bytes, on_delta: DeltaSink) -> ModelReply:
        try:
            if self._config.stream:
                return await self._streamed(body, on_delta)
            return await self._unary(body, on_delta)
        except _TRANSIENT_ERRORS as exc:
            raise _Transient(_describe_transport_error(exc)) from exc

    async def _unary(self, body: bytes, on_delta: DeltaSink) -> ModelReply:
        response = await self._client.post(
            self._url, content=body, headers=self._headers, timeout=self._timeout
        )
        if not response.is_success:
            raise self._http_failure(response.status_code, response.headers, response.content)
        answer = _Answer(self._model_name)
        text = answer.add(_decode_chunk(response.content))
        if text:
            await on_delta(text)
        return answer.finish()

    async def _streamed(self, body: bytes, on_delta: DeltaSink) -> ModelReply:
        async with self._client.stream(
            "POST",
            self._url,
            params=self._params,
            content=body,
            headers=self._headers,
            timeout=self._timeout,
        ) as response:
            if not response.is_success:
                content = await response.aread()
                raise self._http_failure(response.status_code, response.headers, content)
            answer = _Answer(self._model_name)
            async with contextlib.aclosing(_sse_data(response.aiter_lines())) as events:
                async for data in events:
                    text = answer.add(_decode_chunk(data))
                    if text:
                        await on_delta(text)
        if answer.finish_reason is None:
            # Every complete answer ends with a finishReason; without it the
            # stream was cut (a proxy timeout, a dropped connection).
            raise _Transient("the connection to Gemini broke off in the middle of the answer")
        return answer.finish()

    def _http_failure(
        self, status: int, headers: httpx.Headers, content: bytes
    ) -> _Transient | ModelError:
        error = wire.decode_error(content)
        failure = _status_failure(status, error, self._model_name)
        if isinstance(failure, _Transient) and failure.retry_after is None:
            hint = parse_retry_after(headers.get("retry-after"))
            if hint is not None:
                failure.retry_after = hint
        return failure


def _status_failure(
    status: int, error: wire.ErrorStatus | None, model: str
) -> _Transient | ModelError:
    """What an HTTP error status (or an ``error`` sent inside the stream) means."""
    details = error.details if error is not None else []
    if status == 429 and is_daily_quota(details):
        return ModelError("the Gemini daily quota is used up")
    if status in RETRYABLE_STATUSES:
        return _Transient(
            _TRANSIENT_REASONS.get(status, f"Gemini failed (HTTP {status})"),
            status=status,
            retry_after=retry_info_delay(details),
        )
    if status in (401, 403) or any(detail.reason in _API_KEY_REASONS for detail in details):
        # An invalid key is a 400 INVALID_ARGUMENT with ErrorInfo API_KEY_INVALID.
        return ModelError("the Gemini API key was refused")
    if status == 404:
        return ModelError(f"the model {model} does not exist")
    message = _clip(error.message) if error is not None and error.message else None
    if status == 400:
        return ModelError(
            f"Gemini rejected the request: {message}" if message else "Gemini rejected the request",
        )
    return ModelError(f"Gemini answered with an unexpected error (HTTP {status})")


_TRANSIENT_REASONS = {
    408: "Gemini timed out (HTTP 408)",
    429: "Gemini is rate-limiting this server (HTTP 429)",
    500: "Gemini had an internal error (HTTP 500)",
    502: "Gemini could not be reached (HTTP 502)",
    503: "Gemini is overloaded right now (HTTP 503)",
    504: "Gemini timed out (HTTP 504)",
}


class _Answer:
    """The answer as it arrives, chunk by chunk (one chunk when not streaming)."""

    def __init__(self, model: str) -> None:
        self.model = model
        self.parts: list[str] = []
        self.finish_reason: str | None = None
        self.prompt_tokens: int | None = None
        self.output_tokens: int | None = None
        self.saw_candidate = False

    def add(self, chunk: wire.GenerateContentResponse) -> str:
        """Take one chunk; returns its new text. Raises when the chunk says
        the prompt was blocked or the stream failed."""
        if chunk.error is not None:
            raise _status_failure(chunk.error.code or 500, chunk.error, self.model)
        feedback = chunk.prompt_feedback
        if feedback is not None and feedback.block_reason:
            raise ModelRefused(f"Gemini blocked this prompt (reason: {feedback.block_reason})")
        usage = chunk.usage_metadata
        if usage is not None:
            # Each chunk carries the running totals; the last one is final.
            if usage.prompt_token_count is not None:
                self.prompt_tokens = usage.prompt_token_count
            if usage.candidates_token_count is not None:
                self.output_tokens = usage.candidates_token_count
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
        )


def _decode_chunk(data: bytes | str) -> wire.GenerateContentResponse:
    try:
        return wire.decode_response(data)
    except msgspec.DecodeError as exc:
        raise ModelError("Gemini sent an answer that could not be read") from exc


async def _sse_data(lines: AsyncIterator[str]) -> AsyncGenerator[str, None]:
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


def _describe_transport_error(exc: Exception) -> str:
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return "could not connect to Gemini in time"
    if isinstance(exc, httpx.TimeoutException):
        return "Gemini stopped responding"
    if isinstance(exc, httpx.ConnectError):
        return "could not connect to Gemini"
    return "the connection to Gemini broke off"


def _deadline_error() -> ModelError:
    return ModelError("the model did not answer in time")


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
