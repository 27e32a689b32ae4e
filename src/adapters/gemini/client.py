"""The ChatModel port on Gemini's REST API (``generateContent`` and its SSE
stream): the request, its attempts, and the backoff and deadline around them.

Reading the answer is ``answer.py``'s job; what a failure means, ``failures.py``'s.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random as _random
import time
from collections.abc import Awaitable, Callable
from types import TracebackType
from urllib.parse import quote

import httpx

from adapters.gemini import wire
from adapters.gemini.answer import Answer, decode_chunk, sse_data
from adapters.gemini.config import GeminiConfig
from adapters.gemini.failures import (
    TRANSPORT_ERRORS,
    Transient,
    deadline_error,
    http_failure,
    transport_failure,
)
from adapters.gemini.retry import BackoffPolicy
from gemini_core.errors import ModelError
from gemini_core.model import Role
from gemini_core.ports import DeltaSink, ModelReply, ModelRequest

logger = logging.getLogger(__name__)

_ROLES = {Role.USER: "user", Role.MODEL: "model"}

Sleep = Callable[[float], Awaitable[None]]


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
        self._urls: dict[str, str] = {}
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

    def _url(self, model: str) -> str:
        """The endpoint of ``model`` (``models/{model}:streamGenerateContent``
        or ``:generateContent``), built once per model."""
        url = self._urls.get(model)
        if url is None:
            base = f"{self._config.api_base.rstrip('/')}/v1beta/models/{quote(model, safe='')}"
            url = base + (":streamGenerateContent" if self._config.stream else ":generateContent")
            self._urls[model] = url
        return url

    async def generate(self, request: ModelRequest, on_delta: DeltaSink) -> ModelReply:
        """Answer with ``request.model`` (the configured model when None)."""
        if not request.turns:
            raise ModelError("there is no prompt to answer")
        model = (request.model or "").removeprefix("models/") or self._model_name
        body = wire.encode_request(self._wire_request(request))
        config = self._config
        deadline = self._clock() + config.total_deadline
        attempt = 0
        while True:
            attempt += 1
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise deadline_error()
            try:
                async with asyncio.timeout(remaining) as scope:
                    return await self._attempt(model, body, on_delta)
            except TimeoutError:
                if scope.expired():
                    raise deadline_error() from None
                raise
            except Transient as failure:
                if attempt >= config.max_attempts:
                    raise ModelError(
                        f"{failure.reason}; gave up after {attempt} attempts", retryable=True
                    ) from failure
                delay = self._policy.delay(attempt, failure.retry_after, self._random)
                if self._clock() + delay >= deadline:
                    # Sleeping into the deadline would only end in this error later.
                    raise deadline_error() from failure
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

    async def _attempt(self, model: str, body: bytes, on_delta: DeltaSink) -> ModelReply:
        try:
            if self._config.stream:
                return await self._streamed(model, body, on_delta)
            return await self._unary(model, body, on_delta)
        except TRANSPORT_ERRORS as exc:
            raise transport_failure(exc) from exc

    async def _unary(self, model: str, body: bytes, on_delta: DeltaSink) -> ModelReply:
        response = await self._client.post(
            self._url(model), content=body, headers=self._headers, timeout=self._timeout
        )
        if not response.is_success:
            raise http_failure(response.status_code, response.headers, response.content, model)
        answer = Answer(model)
        text = answer.add(decode_chunk(response.content))
        if text:
            await on_delta(text)
        return answer.finish()

    async def _streamed(self, model: str, body: bytes, on_delta: DeltaSink) -> ModelReply:
        async with self._client.stream(
            "POST",
            self._url(model),
            params=self._params,
            content=body,
            headers=self._headers,
            timeout=self._timeout,
        ) as response:
            if not response.is_success:
                content = await response.aread()
                raise http_failure(response.status_code, response.headers, content, model)
            answer = Answer(model)
            async with contextlib.aclosing(sse_data(response.aiter_lines())) as events:
                async for data in events:
                    text = answer.add(decode_chunk(data))
                    if text:
                        await on_delta(text)
        if answer.finish_reason is None:
            # Every complete answer ends with a finishReason; without it the
            # stream was cut (a proxy timeout, a dropped connection).
            raise Transient("the connection to Gemini broke off in the middle of the answer")
        return answer.finish()
