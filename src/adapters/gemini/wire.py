"""Gemini's REST JSON (v1beta ``generateContent``), as msgspec Structs.

Only the fields this adapter reads or writes are declared; msgspec ignores
the rest, so new fields Google adds do not break decoding.
"""

from __future__ import annotations

import msgspec

# --- request ---------------------------------------------------------------


class Part(msgspec.Struct, frozen=True):
    text: str


class Content(msgspec.Struct, frozen=True, omit_defaults=True):
    parts: list[Part]
    role: str | None = None


class GenerationConfig(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    temperature: float | None = None
    max_output_tokens: int | None = None


class GenerateContentRequest(msgspec.Struct, frozen=True, omit_defaults=True, rename="camel"):
    contents: list[Content]
    system_instruction: Content | None = None
    generation_config: GenerationConfig | None = None


# --- response (also each SSE event of streamGenerateContent) ---------------


class ResponsePart(msgspec.Struct, frozen=True):
    text: str | None = None
    # A thinking model's thought summary (only sent when asked for); not answer text.
    thought: bool | None = None


class ResponseContent(msgspec.Struct, frozen=True):
    # A candidate cut short (MAX_TOKENS on a thinking model) can come without parts.
    parts: list[ResponsePart] = []
    role: str | None = None


class Candidate(msgspec.Struct, frozen=True, rename="camel"):
    content: ResponseContent | None = None
    finish_reason: str | None = None
    index: int | None = None


class PromptFeedback(msgspec.Struct, frozen=True, rename="camel"):
    block_reason: str | None = None


class UsageMetadata(msgspec.Struct, frozen=True, rename="camel"):
    """Each chunk's running counts; the last chunk's are the answer's.
    ``candidatesTokenCount`` (the answer) often comes only on the last one,
    ``thoughtsTokenCount`` only from a thinking model."""

    prompt_token_count: int | None = None
    candidates_token_count: int | None = None
    thoughts_token_count: int | None = None
    total_token_count: int | None = None


# --- errors (google.rpc.Status) --------------------------------------------


class QuotaViolation(msgspec.Struct, frozen=True, rename="camel"):
    quota_metric: str | None = None
    quota_id: str | None = None


class ErrorDetail(msgspec.Struct, frozen=True, rename="camel"):
    """One entry of ``error.details``; which fields are set depends on ``@type``
    (``google.rpc.RetryInfo``, ``google.rpc.QuotaFailure``, ``google.rpc.ErrorInfo``...)."""

    type: str = msgspec.field(default="", name="@type")
    retry_delay: str | None = None
    violations: list[QuotaViolation] = []
    reason: str | None = None


class ErrorStatus(msgspec.Struct, frozen=True):
    code: int | None = None
    message: str | None = None
    status: str | None = None
    details: list[ErrorDetail] = []


class ErrorBody(msgspec.Struct, frozen=True):
    error: ErrorStatus


class GenerateContentResponse(msgspec.Struct, frozen=True, rename="camel"):
    candidates: list[Candidate] = []
    prompt_feedback: PromptFeedback | None = None
    usage_metadata: UsageMetadata | None = None
    model_version: str | None = None
    # Sent in place of a chunk when the stream fails after it began.
    error: ErrorStatus | None = None


RETRY_INFO_TYPE = "type.googleapis.com/google.rpc.RetryInfo"
QUOTA_FAILURE_TYPE = "type.googleapis.com/google.rpc.QuotaFailure"

_request_encoder = msgspec.json.Encoder()
_response_decoder = msgspec.json.Decoder(GenerateContentResponse)
_error_decoder = msgspec.json.Decoder(ErrorBody)
_error_list_decoder = msgspec.json.Decoder(list[ErrorBody])


def encode_request(request: GenerateContentRequest) -> bytes:
    return _request_encoder.encode(request)


def decode_response(data: bytes | str) -> GenerateContentResponse:
    """Raises ``msgspec.DecodeError`` on anything that is not a response object."""
    return _response_decoder.decode(data)


def decode_error(data: bytes) -> ErrorStatus | None:
    """The ``error`` of an error body, or None when the body is not Google's
    error JSON (a proxy's HTML page, an empty body). The streaming endpoint
    without ``alt=sse`` wraps it in a JSON array; both are accepted."""
    try:
        return _error_decoder.decode(data).error
    except msgspec.DecodeError:
        pass
    try:
        bodies = _error_list_decoder.decode(data)
    except msgspec.DecodeError:
        return None
    return bodies[0].error if bodies else None
