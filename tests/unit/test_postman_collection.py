"""postman/: the collection is the one the OpenAPI document makes today, and
the generator copes with whatever that document becomes."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tools.postman.build import collection
from tools.postman.files import COLLECTION, ENVIRONMENT, ROOT, openapi_document, rendered
from tools.postman.flow import PATH_VALUES


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return openapi_document()


def requests(items: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for item in items:
        if "request" in item:
            yield item
        else:
            yield from requests(item["item"])


def test_the_committed_collection_and_environment_are_current() -> None:
    for path, text in rendered().items():
        committed = path.read_text() if path.exists() else ""
        assert committed == text, (
            f"{path.relative_to(ROOT)} is stale: run `nox -s postman` and commit it"
        )


def test_every_operation_has_a_request_and_protected_ones_send_the_token(
    document: dict[str, Any],
) -> None:
    made = json.loads(COLLECTION.read_text())
    sent = {}
    for item in requests(made["item"]):
        request = item["request"]
        path = "/" + "/".join(request["url"]["path"])
        for name, value in PATH_VALUES.items():
            path = path.replace(value, f"{{{name}}}")
        sent.setdefault((request["method"], path), []).append(request["auth"])
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            auths = sent[(method.upper(), path)]
            if operation.get("security"):
                bearer = {"key": "token", "value": "{{token}}", "type": "string"}
                assert {"type": "bearer", "bearer": [bearer]} in auths, (method, path)
            else:
                assert auths == [{"type": "noauth"}] * len(auths), (method, path)


def test_the_environment_names_what_the_scripts_keep() -> None:
    keys = {value["key"] for value in json.loads(ENVIRONMENT.read_text())["values"]}
    assert {"baseUrl", "mobile_number", "otp", "token", "room_id"} <= keys


def test_an_operation_the_flow_does_not_name_still_gets_a_request(
    document: dict[str, Any],
) -> None:
    changed = copy.deepcopy(document)
    changed["paths"]["/chatroom/{room_id}/pin"] = {
        "put": {
            "tags": ["chatrooms"],
            "summary": "Pin a chatroom",
            "parameters": [{"name": "room_id", "in": "path", "required": True}],
            "responses": {"204": {"description": "pinned"}},
            "security": [{"bearer": []}],
        }
    }
    folders = {folder["name"]: folder for folder in collection(changed)["item"]}
    pin = [i for i in requests(folders["chatrooms"]["item"]) if i["name"] == "Pin a chatroom"]
    assert len(pin) == 1
    assert pin[0]["request"]["url"]["raw"] == "{{baseUrl}}/chatroom/{{room_id}}/pin"
    assert "pm.expect(pm.response.code, pm.response.text()).to.be.oneOf([204]);" in "\n".join(
        pin[0]["event"][-1]["script"]["exec"]
    )


def test_a_step_whose_operation_left_the_document_is_dropped(document: dict[str, Any]) -> None:
    changed = copy.deepcopy(document)
    del changed["paths"]["/auth/forgot-password"]
    names = [item["name"] for item in requests(collection(changed)["item"])]
    assert "Send a password reset code" not in names
    assert "Set a new password with a reset code" in names
