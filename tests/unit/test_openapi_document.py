"""The OpenAPI document says what the server does: the error envelope for
every error status, the stream's media type, formats, closed bodies, clean
names, a description for every operation, and OPTIONS naming every method."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.api import ApiClient
from tools.postman.files import openapi_document


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "patch", "delete", "put")
    ]


def test_every_error_is_the_envelope_and_every_operation_is_described(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        assert operation.get("description"), (method, path)
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                schema = response["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (path, status)
    chat = document["paths"]["/chatroom/{room_id}/message"]["post"]["responses"]
    assert {"400", "401", "404", "413", "429", "503"} <= set(chat)
    assert chat["429"]["headers"]["Retry-After"]["required"] is True
    assert "RateLimit-Remaining" in chat["202"]["headers"]


def test_stream_formats_bodies_and_names(document: dict[str, Any]) -> None:
    events = document["paths"]["/chatroom/{room_id}/events"]["get"]
    assert set(events["responses"]["200"]["content"]) == {"text/event-stream"}
    room_id = next(p for p in events["parameters"] if p["name"] == "room_id")
    assert room_id["schema"]["format"] == "uuid"
    schemas = document["components"]["schemas"]
    assert all("." not in name for name in schemas), list(schemas)
    assert schemas["ChatroomIn"]["additionalProperties"] is False
    assert schemas["VerifyOtpIn"]["properties"]["otp"]["pattern"] == "^[0-9]{6}$"
    assert schemas["ResetPasswordIn"]["properties"]["new_password"]["minLength"] == 8


async def test_options_names_every_method_of_the_path(client: ApiClient) -> None:
    listed = await client.options("/chatroom")
    assert listed.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    room = await client.options("/chatroom/00000000-0000-0000-0000-000000000000")
    assert room.headers["allow"] == "DELETE, GET, HEAD, OPTIONS, PATCH"
