"""Words and examples all through the OpenAPI document.

Litestar's generator takes each field's description and examples from its
``msgspec.Meta`` (``fields.doc``), but not a shape's docstring, nor an
example of a whole shape, a body, an answer or a parameter. ``annotate``
adds them: each component its docstring and its example (``examples``),
each property that holds another shape the part of its parent's example,
each request body and answer its example (errors included), each parameter
its example, and the Stripe event the webhook takes.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import msgspec
from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.base import BaseSchemaObject

from entrypoints.http import billing_schemas, bodies, schemas, search_schemas, usage_schemas
from entrypoints.http.error_examples import error_example
from entrypoints.http.examples import (
    OPERATION_PARAMETERS,
    PARAMETERS,
    STRIPE_EVENT,
    answer_of,
    event_stream,
    example_of,
    export_markdown,
)
from gemini_core.services.billing import HANDLED_EVENTS

_ROOM_ID = "the room's id (a UUID)"
_ID_WORDS = {
    "room_id": _ROOM_ID,
    "reply_id": "the id of a reply of that room (a UUID)",
    "message_id": "the id of a message of that room, a prompt or any version of a reply (a UUID)",
}


@dataclasses.dataclass
class Verbatim(BaseSchemaObject):
    """A JSON value that the document shows as it is: Litestar's writer
    drops every null member of an object, and examples have nulls."""

    value: Any

    def to_schema(self) -> Any:
        return self.value


_SHAPES = {
    name: value
    for module in (bodies, schemas, billing_schemas, search_schemas, usage_schemas)
    for name, value in vars(module).items()
    if isinstance(value, type)
    and issubclass(value, msgspec.Struct)
    and value.__module__ == module.__name__
}
_WEBHOOK = "POST /webhook/stripe"
STRIPE_EVENT_COMPONENT = "StripeEvent"


def annotate(document: OpenAPI) -> OpenAPI:
    components = document.components.schemas if document.components.schemas is not None else {}
    components[STRIPE_EVENT_COMPONENT] = _stripe_event()
    for name, schema in components.items():
        schema.description = _description(name) or schema.description
        example = example_of(name)
        if example is not None:
            schema.examples = [Verbatim(example)]
            _property_examples(schema, example)
    for path, item in (document.paths or {}).items():
        for field in dataclasses.fields(item):
            operation = getattr(item, field.name)
            if isinstance(operation, Operation):
                _annotate_operation(f"{field.name.upper()} {path}", operation)
    return document


def _description(component: str) -> str | None:
    """A component's words: its shape's docstring (an envelope's, of what
    it wraps), in Markdown."""
    for suffix, wrapper in (("Envelope", schemas.Envelope), ("Page", schemas.PageEnvelope)):
        inner = component.removesuffix(suffix)
        if inner != component and component not in _SHAPES:
            inner_shape = _SHAPES.get(f"{inner}Out") or _SHAPES.get(inner)
            if inner_shape is not None:
                each = "Each item of `data`" if suffix == "Page" else "`data`"
                return f"{_doc(wrapper)} {each}: {_doc(inner_shape)}"
    shape = _SHAPES.get(component)
    return _doc(shape) if shape is not None else None


def _doc(shape: type) -> str:
    return (inspect.getdoc(shape) or "").replace("``", "`").replace("\n", " ")


def _property_examples(schema: Schema, example: Any) -> None:
    """A property holding another shape shows its part of ``example``."""
    if not isinstance(example, dict):
        return
    for name, prop in (schema.properties or {}).items():
        if isinstance(prop, Schema) and not prop.examples and name in example:
            prop.examples = [Verbatim(example[name])]


def _annotate_operation(label: str, operation: Operation) -> None:
    if label == _WEBHOOK:
        operation.request_body = RequestBody(
            description="The event exactly as Stripe sends it (the signature covers these bytes).",
            content={"application/json": OpenAPIMediaType(schema=_ref(STRIPE_EVENT_COMPONENT))},
            required=True,
        )
    if isinstance(operation.request_body, RequestBody):
        for media in operation.request_body.content.values():
            example = _example_of_schema(media.schema)
            media.example = None if example is None else Verbatim(example)
    for status, response in (operation.responses or {}).items():
        if not isinstance(response, OpenAPIResponse):
            continue
        for media_type, media in (response.content or {}).items():
            if int(status) >= 400:
                example = error_example(label, int(status))
            elif media_type == "text/event-stream":
                example = event_stream()
            elif media_type == "text/markdown":
                example = export_markdown()
            else:
                example = answer_of(label) or _example_of_schema(media.schema)
            media.example = None if example is None else Verbatim(example)
    for parameter in operation.parameters or []:
        if isinstance(parameter, Parameter) and parameter.name in PARAMETERS:
            special = OPERATION_PARAMETERS.get(label, {})
            parameter.example = special.get(parameter.name, PARAMETERS[parameter.name])
            described = _ID_WORDS.get(parameter.name)
            if described is not None:
                parameter.description = parameter.description or described


def _example_of_schema(schema: Any) -> Any | None:
    if not isinstance(schema, Reference):
        return None
    component = schema.ref.rpartition("/")[2]
    return dict(STRIPE_EVENT) if component == STRIPE_EVENT_COMPONENT else example_of(component)


def _ref(component: str) -> Reference:
    return Reference(ref=f"#/components/schemas/{component}")


def _stripe_event() -> Schema:
    """What the webhook takes: a Stripe event, of which the server reads
    these fields (it checks the signature first; Stripe sends more)."""

    def text(description: str, example: Any) -> Schema:
        return Schema(type=OpenAPIType.STRING, description=description, examples=[example])

    return Schema(
        type=OpenAPIType.OBJECT,
        title=STRIPE_EVENT_COMPONENT,
        description="A Stripe event, as Stripe posts it: see https://docs.stripe.com/api/events",
        properties={
            "id": text("the event's id; each is applied once", STRIPE_EVENT["id"]),
            "object": text("always `event`", "event"),
            "type": text(
                f"what happened: {', '.join(f'`{kind}`' for kind in sorted(HANDLED_EVENTS))}; "
                "other types are acknowledged and ignored",
                STRIPE_EVENT["type"],
            ),
            "created": Schema(
                type=OpenAPIType.INTEGER,
                description="when it happened (Unix seconds)",
                examples=[STRIPE_EVENT["created"]],
            ),
            "livemode": Schema(
                type=OpenAPIType.BOOLEAN,
                description="false for Stripe's test mode",
                examples=[False],
            ),
            "data": Schema(
                type=OpenAPIType.OBJECT,
                description="`object`: the Checkout session, subscription or invoice concerned",
                examples=[STRIPE_EVENT["data"]],
            ),
        },
        required=["id", "type", "data"],
        examples=[dict(STRIPE_EVENT)],
    )
