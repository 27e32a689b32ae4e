"""The Gemini adapter against a mock transport speaking Gemini's own JSON and
SSE (v1beta generateContent / streamGenerateContent?alt=sse), with a fake
clock and sleep so retry schedules and deadlines run instantly."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import msgspec
import pytest

from adapters.gemini import GeminiChatModel, GeminiConfig
from gemini_core.errors import ModelError, ModelRefused
from gemini_core.model import Role
from gemini_core.ports import ModelReply, ModelRequest, ModelTurn

KEY = "AIzaSy-test-key-0123456789"
MODEL = "gemini-2.5-flash"

REQUEST = ModelRequest(
    turns=[
        ModelTurn(role=Role.USER, text="What is the capital of France?"),
        ModelTurn(role=Role.MODEL, text="Paris."),
        ModelTurn(role=Role.USER, text="And of Italy?"),
    ],
    system_instruction="Answer briefly.",
)

# --- Gemini's wire formats ----------------------------------------------------


def usage(
    prompt: int = 14, output: int | None = None, thoughts: int | None = None
) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "promptTokenCount": prompt,
        "totalTokenCount": prompt + (output or 0) + (thoughts or 0),
        "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt}],
    }
    if output is not None:
        meta["candidatesTokenCount"] = output
    if thoughts is not None:
        meta["thoughtsTokenCount"] = thoughts
    return meta


def response_json(
    *texts: str, finish: str | None = "STOP", meta: dict[str, Any] | None = None
) -> dict[str, Any]:
    candidate: dict[str, Any] = {
        "content": {"parts": [{"text": text} for text in texts], "role": "model"},
        "index": 0,
    }
    if finish is not None:
        candidate["finishReason"] = finish
    return {
        "candidates": [candidate],
        "usageMetadata": meta or usage(),
        "modelVersion": MODEL,
        "responseId": "mSDVaPqLJIqMkdUPyJ6Z2AQ",
    }


def sse(*events: dict[str, Any]) -> bytes:
    # Gemini frames each event as one `data:` line closed by a blank line, CRLF.
    return b"".join(b"data: " + json.dumps(event).encode() + b"\r\n\r\n" for event in events)


def sse_response(*events: dict[str, Any]) -> httpx.Response:
    return httpx.Response(200, content=sse(*events), headers={"content-type": "text/event-stream"})


def error_json(code: int, status: str, message: str, *details: dict[str, Any]) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details:
        error["details"] = list(details)
    return {"error": error}


def error_response(
    code: int, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    return httpx.Response(code, json=body, headers=headers)


FREE_TIER_METRIC = "generativelanguage.googleapis.com/generate_content_free_tier_requests"


def quota_failure(quota_id: str) -> dict[str, Any]:
    return {
        "@type": "type.googleapis.com/google.rpc.QuotaFailure",
        "violations": [
            {
                "quotaMetric": FREE_TIER_METRIC,
                "quotaId": quota_id,
                "quotaDimensions": {"location": "global", "model": MODEL},
                "quotaValue": "10",
            }
        ],
    }


HELP = {
    "@type": "type.googleapis.com/google.rpc.Help",
    "links": [
        {
            "description": "Learn more about Gemini API quotas",
            "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
        }
    ],
}


def retry_info(delay: str) -> dict[str, Any]:
    return {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}


def rate_limited(quota_id: str, delay: str | None = None) -> httpx.Response:
    details = [quota_failure(quota_id), HELP]
    if delay is not None:
        details.append(retry_info(delay))
    return error_response(
        429,
        error_json(
            429,
            "RESOURCE_EXHAUSTED",
            "You exceeded your current quota, please check your plan and billing details.",
            *details,
        ),
    )


def overloaded() -> httpx.Response:
    return error_response(
        503, error_json(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")
    )


PER_MINUTE = "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
PER_DAY = "GenerateRequestsPerDayPerProjectPerModel-FreeTier"

# --- harness -------------------------------------------------------------------

Step = httpx.Response | Exception | Callable[[httpx.Request], Awaitable[httpx.Response]]


class FakeGemini:
    """Answers each request with the next scripted step and records it."""

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        assert self.steps, "the client sent more requests than scripted"
        step = self.steps.pop(0)
        if isinstance(step, Exception):
            raise step
        if isinstance(step, httpx.Response):
            return step
        return await step(request)


class FakeTime:
    def __init__(self) -> None:
        self.now = 5_000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Deltas:
    def __init__(self) -> None:
        self.items: list[str] = []

    async def __call__(self, text: str) -> None:
        self.items.append(text)


def no_random() -> float:
    raise AssertionError("the backoff should not have been randomised")


class Cut(httpx.AsyncByteStream):
    """A response body that sends ``data`` and then breaks with ``error``."""

    def __init__(self, data: bytes, error: Exception) -> None:
        self.data = data
        self.error = error

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.data
        raise self.error


Factory = Callable[..., GeminiChatModel]


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def make(fake_time: FakeTime) -> AsyncIterator[Factory]:
    made: list[GeminiChatModel] = []

    def factory(
        gemini: FakeGemini, *, rand: Callable[[], float] = no_random, **options: Any
    ) -> GeminiChatModel:
        model = GeminiChatModel(
            GeminiConfig(api_key=KEY, **options),
            transport=httpx.MockTransport(gemini),
            sleep=fake_time.sleep,
            clock=fake_time.clock,
            random=rand,
        )
        made.append(model)
        return model

    yield factory
    for model in made:
        await model.aclose()


async def run(model: GeminiChatModel, deltas: Deltas | None = None) -> ModelReply:
    return await model.generate(REQUEST, deltas or Deltas())


# --- the request -------------------------------------------------------------


async def test_streaming_request_has_path_body_and_key_in_header_only(make: Factory) -> None:
    gemini = FakeGemini(sse_response(response_json("Rome.")))
    model = make(gemini, temperature=0.2, max_output_tokens=256)

    await run(model)

    (sent,) = gemini.requests
    assert sent.method == "POST"
    assert sent.url.host == "generativelanguage.googleapis.com"
    assert sent.url.path == f"/v1beta/models/{MODEL}:streamGenerateContent"
    assert dict(sent.url.params) == {"alt": "sse"}
    assert sent.headers["x-goog-api-key"] == KEY
    assert KEY not in str(sent.url)
    assert sent.headers["content-type"] == "application/json"
    assert json.loads(sent.content) == {
        "contents": [
            {"role": "user", "parts": [{"text": "What is the capital of France?"}]},
            {"role": "model", "parts": [{"text": "Paris."}]},
            {"role": "user", "parts": [{"text": "And of Italy?"}]},
        ],
        "systemInstruction": {"parts": [{"text": "Answer briefly."}]},
        "generationConfig": {"temperature": 0.2, "maxOutputTokens": 256},
    }


async def test_unary_request_uses_generate_content_and_omits_unset_options(
    make: Factory,
) -> None:
    gemini = FakeGemini(httpx.Response(200, json=response_json("Rome.")))
    model = make(gemini, stream=False, api_base="https://proxy.example/gemini/")

    await model.generate(ModelRequest(turns=[ModelTurn(role=Role.USER, text="Hi")]), Deltas())

    (sent,) = gemini.requests
    assert str(sent.url) == f"https://proxy.example/gemini/v1beta/models/{MODEL}:generateContent"
    assert sent.headers["x-goog-api-key"] == KEY
    assert json.loads(sent.content) == {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}


# --- answers -------------------------------------------------------------------


async def test_unary_answer_joins_parts_skips_thoughts_and_keeps_usage(make: Factory) -> None:
    body = response_json("Rome ", "is the capital.", meta=usage(prompt=14, output=5))
    body["candidates"][0]["content"]["parts"].insert(
        0, {"text": "Thinking about Italy...", "thought": True}
    )
    gemini = FakeGemini(httpx.Response(200, json=body))
    deltas = Deltas()

    reply = await run(make(gemini, stream=False), deltas)

    assert reply == ModelReply(
        text="Rome is the capital.",
        finish_reason="STOP",
        prompt_tokens=14,
        output_tokens=5,
        total_tokens=19,
        model=MODEL,
    )
    assert deltas.items == ["Rome is the capital."]


async def test_streamed_answer_passes_each_chunk_in_order_and_keeps_final_usage(
    make: Factory,
) -> None:
    gemini = FakeGemini(
        sse_response(
            response_json("The capital", finish=None, meta=usage(14)),
            response_json(" of Italy", finish=None, meta=usage(14)),
            response_json(" is Rome.", finish="STOP", meta=usage(14, output=7)),
        )
    )
    deltas = Deltas()

    reply = await run(make(gemini), deltas)

    assert deltas.items == ["The capital", " of Italy", " is Rome."]
    assert reply == ModelReply(
        text="The capital of Italy is Rome.",
        finish_reason="STOP",
        prompt_tokens=14,
        output_tokens=7,
        total_tokens=21,
        model=MODEL,
    )


async def test_a_thinking_models_stream_gives_every_count_and_the_model_version(
    make: Factory,
) -> None:
    # As gemini-2.5 streams: every chunk carries the running usageMetadata
    # (thoughts counted from the first, the answer's count only on the
    # last) and the modelVersion that answered.
    chunks = [
        response_json("The capital", finish=None, meta=usage(14, thoughts=96)),
        response_json(" is Rome.", finish="STOP", meta=usage(14, output=7, thoughts=96)),
    ]
    for chunk in chunks:
        chunk["modelVersion"] = "gemini-2.5-pro-preview-06-05"
    gemini = FakeGemini(sse_response(*chunks))

    reply = await run(make(gemini))

    assert (reply.prompt_tokens, reply.output_tokens, reply.thinking_tokens) == (14, 7, 96)
    assert reply.total_tokens == 117 == reply.tokens
    assert reply.model == "gemini-2.5-pro-preview-06-05"


@pytest.mark.parametrize("stream", [True, False])
async def test_the_requests_model_is_the_endpoint_called(make: Factory, stream: bool) -> None:
    body = response_json("Rome.")
    del body["modelVersion"]  # then the model asked is the one that answered
    gemini = FakeGemini(
        *(sse_response(body) if stream else httpx.Response(200, json=body) for _ in range(2))
    )
    model = make(gemini, stream=stream)

    pro = await model.generate(
        msgspec.structs.replace(REQUEST, model="models/gemini-2.5-pro"), Deltas()
    )
    default = await model.generate(REQUEST, Deltas())

    method = "streamGenerateContent" if stream else "generateContent"
    assert [request.url.path for request in gemini.requests] == [
        f"/v1beta/models/gemini-2.5-pro:{method}",
        f"/v1beta/models/{MODEL}:{method}",
    ]
    assert (pro.model, default.model) == ("gemini-2.5-pro", MODEL)


async def test_max_tokens_with_some_text_returns_it_with_that_reason(make: Factory) -> None:
    gemini = FakeGemini(
        sse_response(
            response_json("Rome is", finish=None),
            response_json(" the", finish="MAX_TOKENS", meta=usage(14, output=3)),
        )
    )

    reply = await run(make(gemini))

    assert reply.text == "Rome is the"
    assert reply.finish_reason == "MAX_TOKENS"


@pytest.mark.parametrize("stream", [True, False])
async def test_max_tokens_with_no_text_is_a_final_error(make: Factory, stream: bool) -> None:
    # A thinking model that spends the whole budget thinking answers with a
    # candidate whose content has no parts at all.
    body = {
        "candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": 14,
            "totalTokenCount": 269,
            "thoughtsTokenCount": 255,
        },
        "modelVersion": MODEL,
    }
    response = sse_response(body) if stream else httpx.Response(200, json=body)
    gemini = FakeGemini(response)

    with pytest.raises(ModelError) as caught:
        await run(make(gemini, stream=stream))

    assert caught.value.message == "the model ran out of output tokens before answering"
    assert len(gemini.requests) == 1


@pytest.mark.parametrize("stream", [True, False])
async def test_blocked_prompt_is_refused_with_its_reason(make: Factory, stream: bool) -> None:
    body = {
        "promptFeedback": {
            "blockReason": "PROHIBITED_CONTENT",
            "safetyRatings": [
                {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH"}
            ],
        },
        "usageMetadata": {"promptTokenCount": 12, "totalTokenCount": 12},
        "modelVersion": MODEL,
    }
    response = sse_response(body) if stream else httpx.Response(200, json=body)
    gemini = FakeGemini(response)

    with pytest.raises(ModelRefused) as caught:
        await run(make(gemini, stream=stream))

    assert caught.value.message == "Gemini blocked this prompt (reason: PROHIBITED_CONTENT)"
    assert len(gemini.requests) == 1


async def test_answer_stopped_for_safety_without_text_is_refused(make: Factory) -> None:
    body = {
        "candidates": [
            {
                "content": {"role": "model"},
                "finishReason": "SAFETY",
                "index": 0,
                "safetyRatings": [
                    {"category": "HARM_CATEGORY_HARASSMENT", "probability": "HIGH", "blocked": True}
                ],
            }
        ],
        "usageMetadata": usage(),
    }
    gemini = FakeGemini(sse_response(body))

    with pytest.raises(ModelRefused, match=r"reason: SAFETY"):
        await run(make(gemini))


# --- retries -------------------------------------------------------------------


async def test_backoff_doubles_up_to_the_cap_with_full_jitter(
    make: Factory, fake_time: FakeTime
) -> None:
    gemini = FakeGemini(
        overloaded(), overloaded(), overloaded(), overloaded(), sse_response(response_json("Rome."))
    )
    draws = iter([0.5, 0.25, 1.0, 0.75])
    model = make(gemini, rand=lambda: next(draws), backoff_initial=1.0, backoff_max=5.0)

    reply = await run(model)

    assert reply.text == "Rome."
    # Ceilings 1, 2, 4, then 8 capped at 5, each scaled by the random draw.
    assert fake_time.sleeps == [0.5, 0.5, 4.0, 3.75]
    assert len(gemini.requests) == 5


async def test_exhausted_attempts_end_in_an_error_after_jittered_waits(
    make: Factory, fake_time: FakeTime
) -> None:
    gemini = FakeGemini(*(overloaded() for _ in range(8)))
    model = make(
        gemini,
        rand=random.Random(7).random,
        max_attempts=8,
        backoff_initial=0.5,
        backoff_max=4.0,
        total_deadline=1_000,
    )

    with pytest.raises(ModelError) as caught:
        await run(model)

    assert "HTTP 503" in caught.value.message
    assert len(gemini.requests) == 8
    assert len(fake_time.sleeps) == 7
    ceilings = [min(4.0, 0.5 * 2**n) for n in range(7)]
    assert all(0 <= slept <= cap for slept, cap in zip(fake_time.sleeps, ceilings, strict=True))
    assert fake_time.sleeps != ceilings  # jittered, not the bare exponential


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
async def test_transient_statuses_are_retried(
    make: Factory, fake_time: FakeTime, status: int
) -> None:
    gemini = FakeGemini(error_response(status), sse_response(response_json("Rome.")))

    reply = await run(make(gemini, rand=lambda: 0.5))

    assert reply.text == "Rome."
    assert len(gemini.requests) == 2
    assert fake_time.sleeps == [0.5]


@pytest.mark.parametrize(
    "error",
    [
        httpx.ConnectError("connection refused"),
        httpx.ConnectTimeout("timed out"),
        httpx.ReadTimeout("timed out"),
        httpx.RemoteProtocolError("server disconnected"),
    ],
)
async def test_connection_failures_are_retried(make: Factory, error: Exception) -> None:
    gemini = FakeGemini(error, sse_response(response_json("Rome.")))

    reply = await run(make(gemini, rand=lambda: 0.5))

    assert reply.text == "Rome."
    assert len(gemini.requests) == 2


@pytest.mark.parametrize(("header", "expected"), [("7", 7.0), ("0.25", 0.25), ("600", 60.0)])
async def test_retry_after_header_is_honoured_up_to_the_cap(
    make: Factory, fake_time: FakeTime, header: str, expected: float
) -> None:
    limited = error_response(
        429,
        error_json(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota)."),
        headers={"Retry-After": header},
    )
    gemini = FakeGemini(limited, sse_response(response_json("Rome.")))

    await run(make(gemini, backoff_max=60.0, total_deadline=1_000))

    assert fake_time.sleeps == [expected]


@pytest.mark.parametrize(("delay", "expected"), [("17s", 17.0), ("0.5s", 0.5), ("3600s", 60.0)])
async def test_retry_info_delay_is_honoured_up_to_the_cap(
    make: Factory, fake_time: FakeTime, delay: str, expected: float
) -> None:
    gemini = FakeGemini(rate_limited(PER_MINUTE, delay), sse_response(response_json("Rome.")))

    reply = await run(make(gemini, backoff_max=60.0, total_deadline=1_000))

    assert reply.text == "Rome."
    assert fake_time.sleeps == [expected]


async def test_per_minute_quota_is_retried(make: Factory, fake_time: FakeTime) -> None:
    gemini = FakeGemini(rate_limited(PER_MINUTE), sse_response(response_json("Rome.")))

    reply = await run(make(gemini, rand=lambda: 0.5))

    assert reply.text == "Rome."
    assert len(gemini.requests) == 2


async def test_per_day_quota_is_not_retried(make: Factory, fake_time: FakeTime) -> None:
    gemini = FakeGemini(rate_limited(PER_DAY, "39s"), sse_response(response_json("Rome.")))

    with pytest.raises(ModelError) as caught:
        await run(make(gemini))

    assert caught.value.message == "the Gemini daily quota is used up"
    assert len(gemini.requests) == 1
    assert fake_time.sleeps == []


API_KEY_INVALID = error_json(
    400,
    "INVALID_ARGUMENT",
    "API key not valid. Please pass a valid API key.",
    {
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        "reason": "API_KEY_INVALID",
        "domain": "googleapis.com",
        "metadata": {"service": "generativelanguage.googleapis.com"},
    },
    {
        "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
        "locale": "en-US",
        "message": "API key not valid. Please pass a valid API key.",
    },
)


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            400,
            error_json(
                400,
                "INVALID_ARGUMENT",
                "* GenerateContentRequest.contents: contents is not specified\n",
            ),
            "Gemini rejected the request: * GenerateContentRequest.contents: "
            "contents is not specified",
        ),
        (400, API_KEY_INVALID, "the Gemini API key was refused"),
        (
            401,
            error_json(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."),
            "the Gemini API key was refused",
        ),
        (
            403,
            error_json(403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."),
            "the Gemini API key was refused",
        ),
        (
            404,
            error_json(
                404,
                "NOT_FOUND",
                "models/gemini-9-ultra is not found for API version v1beta, or is not "
                "supported for generateContent.",
            ),
            "the model gemini-9-ultra does not exist",
        ),
    ],
)
async def test_client_errors_are_not_retried_and_say_why(
    make: Factory,
    fake_time: FakeTime,
    status: int,
    body: dict[str, Any],
    message: str,
) -> None:
    gemini = FakeGemini(error_response(status, body), sse_response(response_json("Rome.")))

    with pytest.raises(ModelError) as caught:
        await run(make(gemini, model="gemini-9-ultra"))

    assert caught.value.message == message
    assert caught.value.retryable is False  # the model is up: no breaker count
    assert len(gemini.requests) == 1
    assert fake_time.sleeps == []


async def test_stream_ending_without_finish_reason_is_retried_afresh(
    make: Factory, fake_time: FakeTime
) -> None:
    gemini = FakeGemini(
        sse_response(response_json("Rome", finish=None)),  # cut: no finishReason
        sse_response(
            response_json("Rome is", finish=None),
            response_json(" the capital.", finish="STOP", meta=usage(14, output=4)),
        ),
    )
    deltas = Deltas()

    reply = await run(make(gemini, rand=lambda: 0.5), deltas)

    assert reply.text == "Rome is the capital."
    assert reply.output_tokens == 4
    assert deltas.items == ["Rome", "Rome is", " the capital."]
    assert len(gemini.requests) == 2
    assert fake_time.sleeps == [0.5]


async def test_stream_broken_by_a_read_error_is_retried(make: Factory) -> None:
    broken = httpx.Response(
        200,
        stream=Cut(
            sse(response_json("Rome", finish=None)) + b'data: {"candidates": [{"cont',
            httpx.ReadError("connection reset by peer"),
        ),
        headers={"content-type": "text/event-stream"},
    )
    gemini = FakeGemini(broken, sse_response(response_json("Rome is the capital.")))
    deltas = Deltas()

    reply = await run(make(gemini, rand=lambda: 0.5), deltas)

    assert reply.text == "Rome is the capital."
    assert deltas.items == ["Rome", "Rome is the capital."]
    assert len(gemini.requests) == 2


# --- the deadline --------------------------------------------------------------


async def test_total_deadline_covers_attempts_and_waits(make: Factory, fake_time: FakeTime) -> None:
    gemini = FakeGemini(*(overloaded() for _ in range(10)))
    model = make(gemini, rand=lambda: 1.0, max_attempts=10, backoff_initial=1.0, total_deadline=10)

    with pytest.raises(ModelError) as caught:
        await run(model)

    assert caught.value.message == "the model did not answer in time"
    assert caught.value.retryable is True  # looks like an outage: the breaker counts it
    # Waits of 1, 2 and 4 s fit in 10 s; the next (8 s) would pass the deadline.
    assert fake_time.sleeps == [1.0, 2.0, 4.0]
    assert len(gemini.requests) == 4


async def test_a_server_hint_past_the_deadline_ends_at_once(
    make: Factory, fake_time: FakeTime
) -> None:
    gemini = FakeGemini(rate_limited(PER_MINUTE, "45s"), sse_response(response_json("Rome.")))

    with pytest.raises(ModelError, match="did not answer in time"):
        await run(make(gemini, total_deadline=30))

    assert fake_time.sleeps == []
    assert len(gemini.requests) == 1


async def test_a_hanging_server_is_cut_off_at_the_deadline() -> None:
    async def hang(request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(30)
        return sse_response(response_json("too late"))

    model = GeminiChatModel(
        GeminiConfig(api_key=KEY, total_deadline=0.05), transport=httpx.MockTransport(hang)
    )
    started = time.monotonic()
    try:
        with pytest.raises(ModelError) as caught:
            await run(model)
    finally:
        await model.aclose()

    assert caught.value.message == "the model did not answer in time"
    assert time.monotonic() - started < 5


# --- logging -------------------------------------------------------------------


async def test_retries_are_logged_at_warning_without_the_key(
    make: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    gemini = FakeGemini(overloaded(), sse_response(response_json("Rome.")))
    caplog.set_level(logging.DEBUG)

    await run(make(gemini, rand=lambda: 0.5))

    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "503" in warnings[0].getMessage()
    assert "0.50s" in warnings[0].getMessage()
    assert KEY not in caplog.text
    assert KEY not in repr(GeminiConfig(api_key=KEY))
