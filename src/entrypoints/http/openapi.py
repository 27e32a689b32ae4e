"""The OpenAPI document, made to say what the server does.

Handlers list the error statuses they can answer with ``errors(...)``, each
documented with the one error envelope (``ErrorEnvelope``), never Litestar's
default ``{status_code, detail, extra}``. ``polish`` then finishes what
Litestar's generator cannot express: clean component names for the generic
envelopes, ``additionalProperties: false`` on request bodies (they refuse
unknown fields), ``format: uuid`` on ``room_id`` and the headers that come
with 401, 429 and 503 answers.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any

from litestar import Litestar
from litestar.datastructures import ResponseHeader
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPI,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
    SecurityScheme,
)

from entrypoints.http.api_docs import docs_router, offline_swagger
from entrypoints.http.bodies import RequestBody
from entrypoints.http.openapi_examples import annotate
from entrypoints.http.schemas import ErrorEnvelope

_ERRORS = {
    400: "The request is not valid (`validation_error`, or the route's own code)",
    401: "No valid bearer token (`unauthorized`), or wrong credentials",
    403: "The caller may not do this",
    404: "No such resource, or not the caller's (`not_found`)",
    409: "The resource's state forbids it",
    413: "The request body is larger than the route allows (`payload_too_large`)",
    415: "The body is not `application/json` (`unsupported_media_type`)",
    429: (
        "Too many requests (`rate_limited`; on a prompt `quota_exceeded` or "
        "`token_budget_exhausted`): see Retry-After"
    ),
    502: "Stripe refused the request (`billing_error`)",
    503: "A backing service is unavailable; retry after a moment",
}

RATE_LIMIT_HEADERS = {
    "RateLimit-Limit": "Prompts a day on the caller's tier (Basic only)",
    "RateLimit-Remaining": "Prompts left today (Basic only)",
    "RateLimit-Reset": "Seconds until the daily count resets (Basic only)",
}


def errors(*statuses: int) -> dict[int, ResponseSpec]:
    """The ``responses=`` of a handler that can answer ``statuses``: each
    with the error envelope."""
    return {
        status: ResponseSpec(
            data_container=ErrorEnvelope, description=_ERRORS[status], generate_examples=False
        )
        for status in statuses
    }


# What a protected route can answer besides its own errors.
AUTHED = (400, 401, 429, 503)


def rate_limit_response_headers() -> list[ResponseHeader]:
    """The RateLimit-* headers of an accepted prompt (for ``response_headers=``)."""
    return [
        ResponseHeader(name=name, description=text, documentation_only=True)
        for name, text in RATE_LIMIT_HEADERS.items()
    ]


def openapi_config() -> OpenAPIConfig:
    return OpenAPIConfig(
        title="gemini-clone",
        version="1.0.0",
        description=(
            'A Gemini-style chat backend. Every success is `{"success": true, "data": ...}`, '
            'every error `{"success": false, "error": {"code", "message", "details"}}` '
            "with a stable `code`. Every GET route also answers HEAD (its status and "
            "headers, no body) and OPTIONS (`Allow`), which are not listed per route."
        ),
        path="/schema",
        use_handler_docstrings=True,
        # Swagger UI from the package's own files: /schema works offline.
        openapi_router=docs_router("/schema"),
        render_plugins=[offline_swagger("/schema")],
        components=Components(
            security_schemes={
                "bearer": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")
            }
        ),
    )


def polished(app: Litestar) -> Litestar:
    """``app``, its OpenAPI document passed through ``polish``.

    Litestar builds the document once and keeps it (``app.openapi_schema``
    and the served JSON both read that object), so polishing it in place,
    once all routes are registered, is what every reader sees.
    """
    polish(app.openapi_schema)
    return app


_GENERIC = re.compile(r"^(Envelope|PageEnvelope)_entrypoints\.http\.\w+\.(\w+)_$")


def _clean_name(name: str) -> str:
    match = _GENERIC.match(name)
    if match is None:
        return name
    wrapper, inner = match.groups()
    return f"{inner}Envelope" if wrapper == "Envelope" else f"{inner.removesuffix('Out')}Page"


# Downloads: their answer is a file in more than one media type, of which
# Litestar documents the first (the JSON form's schema); the others here.
DOWNLOADS: dict[str, dict[str, str]] = {
    "/chatroom/{room_id}/export": {
        "text/markdown": "the conversation as a Markdown document (UTF-8)",
    },
}
_DISPOSITION = '`attachment; filename="..."`: a safe file name from the room\'s name and id'


def _document_downloads(document: OpenAPI) -> None:
    for path, media_types in DOWNLOADS.items():
        item = (document.paths or {}).get(path)
        answer = (item.get.responses or {}).get("200") if item and item.get else None
        if not isinstance(answer, OpenAPIResponse):
            continue
        content = dict(answer.content or {})
        for media_type, description in media_types.items():
            content[media_type] = OpenAPIMediaType(
                schema=Schema(type=OpenAPIType.STRING, description=description)
            )
        answer.content = content
        answer.headers = {
            **(answer.headers or {}),
            "Content-Disposition": _header(_DISPOSITION, required=True),
        }


def polish(document: OpenAPI) -> OpenAPI:
    _document_downloads(document)
    schemas = document.components.schemas or {}
    renames = {name: _clean_name(name) for name in schemas}
    document.components.schemas = {renames[name]: schema for name, schema in schemas.items()}
    _walk(document, lambda ref: _rename_ref(ref, renames))
    annotate(document)
    bodies = {cls.__name__ for cls in _subclasses(RequestBody)}
    for name, schema in document.components.schemas.items():
        if name in bodies:
            schema.additional_properties = False
    for path_item in (document.paths or {}).values():
        for field in dataclasses.fields(path_item):
            operation = getattr(path_item, field.name)
            if isinstance(operation, Operation):
                _polish_operation(operation)
    return document


_ID_PARAMETERS = ("room_id", "reply_id", "message_id")


def _polish_operation(operation: Operation) -> None:
    for parameter in operation.parameters or []:
        if not isinstance(parameter, Parameter) or parameter.name not in _ID_PARAMETERS:
            continue
        if isinstance(parameter.schema, Schema):
            parameter.schema.format = OpenAPIFormat.UUID
    responses = operation.responses or {}
    success_headers: dict[str, Any] = {}
    for status, response in responses.items():
        if isinstance(response, OpenAPIResponse) and status.startswith("2"):
            success_headers |= {
                k: v for k, v in (response.headers or {}).items() if k in RATE_LIMIT_HEADERS
            }
    extra: dict[str, dict[str, OpenAPIHeader]] = {
        "401": {"WWW-Authenticate": _header("`Bearer`", required=True)},
        "429": {"Retry-After": _header("Seconds to wait before retrying", required=True)}
        | success_headers,
        "503": {"Retry-After": _header("Seconds to wait before retrying", required=False)},
    }
    for status, headers in extra.items():
        answer = responses.get(status)
        if isinstance(answer, OpenAPIResponse):
            answer.headers = {**(answer.headers or {}), **headers}


def _header(description: str, *, required: bool) -> OpenAPIHeader:
    return OpenAPIHeader(
        schema=Schema(type=OpenAPIType.STRING), description=description, required=required
    )


def _rename_ref(reference: Reference, renames: dict[str, str]) -> None:
    prefix, _, name = reference.ref.rpartition("/")
    if name in renames:
        reference.ref = f"{prefix}/{renames[name]}"


def _walk(node: Any, visit: Callable[[Reference], None]) -> None:
    if isinstance(node, Reference):
        visit(node)
    elif dataclasses.is_dataclass(node) and not isinstance(node, type):
        for field in dataclasses.fields(node):
            _walk(getattr(node, field.name), visit)
    elif isinstance(node, dict):
        for value in node.values():
            _walk(value, visit)
    elif isinstance(node, list | tuple):
        for value in node:
            _walk(value, visit)


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found
