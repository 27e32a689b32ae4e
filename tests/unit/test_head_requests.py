"""HEAD on every GET route answers what GET answers, without the body; other
methods a route does not have stay 405; the event stream's HEAD ends with
its headers; the access log and the metrics say HEAD."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest
from litestar.routes import HTTPRoute

from entrypoints.http.app import create_app
from gemini_core.services.streams import MAX_EVENT_STREAMS_PER_USER
from tests.support.api import ApiClient, login, make_settings
from tests.support.fakes import cheap_hasher
from tests.support.metrics import sample
from tests.support.rooms import new_room
from tests.support.server import serving
from tests.unit.test_api_chat import wait_for_reply

# Headers that differ between any two answers.
VOLATILE = {"x-request-id", "date"}
# Answers whose body changes with every request (the counters count the
# HEAD just made): their length is not compared.
CHANGING_BODIES = {"/metrics"}
# Answers streamed as they are read: no Content-Length to compare.
STREAMED = {"/chatroom/{room_id}/export"}
EVENTS = "/chatroom/{room_id}/events"


def get_routes(client: ApiClient) -> list[str]:
    return sorted(
        route.path_format
        for route in client.app.routes
        if isinstance(route, HTTPRoute) and "GET" in route.methods
    )


def filled(template: str, values: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"no value for the path parameter {name!r} of {template}"
        return values[name]

    return re.sub(r"\{(\w+)(?::\w+)?\}", value, template)


def comparable(response: httpx.Response, template: str) -> dict[str, str]:
    ignored = VOLATILE | ({"content-length"} if template in CHANGING_BODIES else set())
    return {k: v for k, v in response.headers.items() if k not in ignored}


async def test_head_on_every_get_route_is_get_without_the_body(client: ApiClient) -> None:
    headers = await login(client)
    room = await new_room(client, headers, "heads")
    sent = await client.post(f"/chatroom/{room}/message", json={"content": "hi"}, headers=headers)
    prompt = sent.json()["data"]["message"]["id"]
    # Final before the comparisons: the room's answers must not change under them.
    await wait_for_reply(client, headers, room, sent.json()["data"]["reply"]["id"])
    values = {
        "room_id": room,
        "message_id": prompt,
        "file_path": "swagger-ui.css",
        "path": "swagger",
    }
    templates = [t for t in get_routes(client) if t != EVENTS]  # below, on a real socket
    assert {"/health", "/user/me", "/chatroom/{room_id}", "/schema/openapi.json"} <= set(templates)
    for template in templates:
        path = filled(template, values)
        for sent in (headers, {}):  # as the owner, and without a token
            await client.get(path, headers=sent)  # caches warm, as for the HEAD
            head = await client.head(path, headers=sent)
            got = await client.get(path, headers=sent)
            assert head.status_code == got.status_code, (template, head.status_code)
            assert comparable(head, template) == comparable(got, template), template
            assert head.content == b"", template
            if got.status_code == 200 and template not in CHANGING_BODIES | STREAMED:
                assert int(head.headers["content-length"]) == len(got.content) > 0, template


async def test_methods_a_route_lacks_stay_405_and_allow_names_head_with_get(
    client: ApiClient,
) -> None:
    for path in ("/auth/login", "/subscribe/pro", "/webhook/stripe"):
        refused = await client.head(path)
        assert refused.status_code == 405, path
        assert refused.content == b""
        assert "HEAD" not in refused.headers["allow"] and "POST" in refused.headers["allow"]
    put = await client.put("/chatroom", json={})
    assert put.status_code == 405
    assert put.headers["allow"] == "GET, HEAD, OPTIONS, POST"
    assert put.json()["error"]["code"] == "method_not_allowed"
    options = await client.options("/user/me")
    assert options.headers["allow"] == "GET, HEAD, OPTIONS"
    options = await client.options("/auth/login")
    assert options.headers["allow"] == "OPTIONS, POST"


async def test_head_is_logged_and_counted_as_head(
    client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gemini_clone.access")
    await client.head("/health")
    [line] = [r for r in caplog.records if r.name == "gemini_clone.access"]
    assert line.getMessage().startswith("HEAD /health 200 ")
    text = (await client.get("/metrics")).text
    requests = "gemini_clone_http_requests_total"
    assert sample(text, requests, method="HEAD", route="/health", status="200") == 1
    assert sample(text, requests, method="GET", route="/health") is None


async def test_head_of_the_event_stream_answers_its_headers_and_holds_nothing_open(
    tmp_path: Path,
) -> None:
    app = create_app(make_settings(tmp_path), hasher=cheap_hasher())
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        events = f"/chatroom/{await new_room(client, headers)}/events"
        # More HEADs than a user may hold streams: none of them keeps one.
        for _ in range(MAX_EVENT_STREAMS_PER_USER + 2):
            head = await client.head(events, headers=headers)
            assert head.status_code == 200, head.text
            assert head.headers["content-type"].startswith("text/event-stream")
            assert head.headers["cache-control"] == "no-cache"
            assert head.content == b""
        scrape = (await client.get("/metrics")).text
        assert sample(scrape, "gemini_clone_open_event_streams") == 0
        async with client.stream("GET", events, headers=headers) as stream:
            assert stream.status_code == 200
        # A JSON answer over the socket keeps its length (the server knows
        # no body follows a HEAD).
        health = await client.head("/health")
        assert health.headers["content-length"] == str(len((await client.get("/health")).content))
        assert (await client.head(events)).status_code == 401
