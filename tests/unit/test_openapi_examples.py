"""The OpenAPI document, as served at /schema/openapi.json, has words and an
example for every operation (its body, its answers), parameter, shape and
field, and every example is valid against its own schema (formats
included) and looks like real data: E.164 numbers, UUIDs, RFC 3339 times."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest

from tests.support.api import ApiClient

METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@pytest.fixture
async def document(client: ApiClient) -> dict[str, Any]:
    served = await client.get("/schema/openapi.json")
    assert served.status_code == 200
    body: dict[str, Any] = served.json()
    return body


def problems_of(document: dict[str, Any], schema: Any, value: Any) -> list[str]:
    """Why ``value`` is not valid against ``schema`` (whose references point
    into ``document``), formats checked."""
    root = {**schema, "components": document["components"]} if isinstance(schema, dict) else schema
    validator = jsonschema.Draft202012Validator(
        root, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(value)]


def fields(name: str, schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property of ``schema``, and of the objects written inline in it."""
    for key, prop in schema.get("properties", {}).items():
        where = f"{name}.{key}"
        yield where, prop
        yield from fields(where, prop)
        if isinstance(prop.get("items"), dict):
            yield from fields(f"{where}[]", prop["items"])


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def described_and_shown(where: str, node: dict[str, Any], key: str = "examples") -> list[str]:
    found = []
    if not node.get("description"):
        found.append(f"{where}: no description")
    if not node.get(key):
        found.append(f"{where}: no {key}")
    return found


def test_the_validator_checks_formats_and_references(document: dict[str, Any]) -> None:
    """The checks below could fail: a bad time, id or nested field is seen."""
    room = {"$ref": "#/components/schemas/ChatroomOut"}
    good = document["components"]["schemas"]["ChatroomOut"]["examples"][0]
    assert problems_of(document, room, good) == []
    for field, bad in (("created_at", "2025-13-45T99:00:00Z"), ("id", "room-1"), ("name", 7)):
        assert problems_of(document, room, {**good, field: bad}), field
    detail = {"$ref": "#/components/schemas/ChatroomDetailData"}
    broken = {"chatroom": good, "messages": [{"id": "not a uuid"}]}
    assert problems_of(document, detail, broken)


def test_every_shape_and_field_has_words_and_examples_that_fit(document: dict[str, Any]) -> None:
    found = []
    for name, component in document["components"]["schemas"].items():
        found += described_and_shown(name, component)
        for example in component.get("examples", []):
            found += [f"{name}: {p}" for p in problems_of(document, component, example)]
        for where, prop in fields(name, component):
            found += described_and_shown(where, prop)
            for example in prop.get("examples", []):
                found += [f"{where}: {p}" for p in problems_of(document, prop, example)]
    assert found == []


def example_problems(document: dict[str, Any], where: str, media: dict[str, Any]) -> list[str]:
    if "example" not in media:
        return [f"{where}: no example"]
    if "json" not in where:  # the event stream's frames, as text
        return [] if isinstance(media["example"], str) and media["example"] else [where]
    return [f"{where}: {p}" for p in problems_of(document, media["schema"], media["example"])]


def test_every_operation_has_words_and_examples_of_its_body_and_answers(
    document: dict[str, Any],
) -> None:
    found = []
    for label, operation in operations(document):
        if not operation.get("description"):
            found.append(f"{label}: no description")
        if not any(status.startswith("2") for status in operation["responses"]):
            found.append(f"{label}: no success documented")
        for media_type, media in operation.get("requestBody", {}).get("content", {}).items():
            found += example_problems(document, f"{label} body {media_type}", media)
        for status, response in operation["responses"].items():
            for media_type, media in response.get("content", {}).items():
                found += example_problems(document, f"{label} {status} {media_type}", media)
    assert found == []


def test_every_parameter_has_words_and_an_example_that_fits(document: dict[str, Any]) -> None:
    found = []
    for label, operation in operations(document):
        for parameter in operation.get("parameters", []):
            where = f"{label} {parameter['in']} {parameter['name']}"
            found += described_and_shown(where, parameter, key="example")
            if "example" in parameter:
                found += [
                    f"{where}: {p}"
                    for p in problems_of(document, parameter["schema"], parameter["example"])
                ]
    assert found == []


def values_named(node: Any, key: str) -> Iterator[Any]:
    if isinstance(node, dict):
        for name, value in node.items():
            if name == key:
                yield value
            yield from values_named(value, key)
    elif isinstance(node, list):
        for value in node:
            yield from values_named(value, key)


def test_the_examples_look_like_real_data(document: dict[str, Any]) -> None:
    numbers = list(values_named(document, "mobile_number"))
    shown = [n for n in numbers if isinstance(n, str)]
    assert shown and all(E164.match(number) for number in shown), shown
    stream = document["paths"]["/chatroom/{room_id}/events"]["get"]["responses"]["200"]
    frames = stream["content"]["text/event-stream"]["example"]
    assert "event: message.created\ndata: {" in frames and frames.endswith("\n\n")
    signup = document["paths"]["/auth/signup"]["post"]["responses"]
    assert signup["409"]["content"]["application/json"]["example"]["error"]["code"] == (
        "mobile_taken"
    )
    page = document["components"]["schemas"]["ChatroomPage"]["examples"][0]
    room_ids = {room["id"] for room in page["data"]}
    assert len(room_ids) == len(page["data"]) and page["meta"]["next_cursor"]
