"""Request ids, the access log and the API's metrics, on the embedded app."""

from __future__ import annotations

import asyncio
import logging
import uuid
from pathlib import Path

import httpx
import pytest
from litestar import get

from entrypoints.http.app import create_app
from tests.support.api import ApiClient, assert_error, login, make_settings, running_app
from tests.support.fakes import cheap_hasher
from tests.support.metrics import sample
from tests.support.server import serving

ACCESS = "gemini_clone.access"


def access_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == ACCESS]


async def scrape(client: httpx.AsyncClient) -> str:
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return response.text


async def test_a_valid_incoming_request_id_is_kept(client: ApiClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "edge-7f3A.b_c-1"})
    assert response.headers["X-Request-ID"] == "edge-7f3A.b_c-1"


@pytest.mark.parametrize(
    "incoming", [None, "", "x" * 129, "has space", "semi;colon", "<script>", "ünïcode".encode()]
)
async def test_a_missing_or_invalid_request_id_is_replaced_by_a_uuid(
    client: ApiClient, incoming: str | bytes | None
) -> None:
    headers = {} if incoming is None else {"X-Request-ID": incoming}
    response = await client.get("/health", headers=headers)
    made = response.headers["X-Request-ID"]
    assert made != incoming and str(uuid.UUID(made)) == made
    assert response.headers.get_list("X-Request-ID") == [made]


async def test_a_request_id_of_128_characters_is_kept(client: ApiClient) -> None:
    long_id = "a" * 128
    response = await client.get("/health", headers={"X-Request-ID": long_id})
    assert response.headers["X-Request-ID"] == long_id


@pytest.mark.parametrize(("method", "path"), [("GET", "/no/such/path"), ("PUT", "/health")])
async def test_answers_that_no_route_produced_carry_one_too(
    client: ApiClient, method: str, path: str
) -> None:
    response = await client.request(method, path, headers={"X-Request-ID": "lost-1"})
    assert response.status_code in (404, 405)
    assert response.headers["X-Request-ID"] == "lost-1"


async def test_a_500_names_the_request_id_in_details_header_and_log(
    client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    @get("/boom", sync_to_thread=False)
    def boom() -> None:
        raise RuntimeError("it broke")

    client.app.register(boom)
    caplog.set_level(logging.INFO)
    response = await client.get("/boom", headers={"X-Request-ID": "trace-500"})
    body = assert_error(response, 500, "internal_error")
    assert body["error"]["details"]["request_id"] == "trace-500"
    assert response.headers.get_list("X-Request-ID") == ["trace-500"]
    [error] = [r for r in caplog.records if r.name == "gemini_clone.http"]
    assert error.levelno == logging.ERROR and error.exc_info is not None
    assert "trace-500" in error.getMessage()
    [line] = access_records(caplog)
    assert line.levelno == logging.WARNING
    assert (line.route, line.status) == ("/boom", 500)  # type: ignore[attr-defined]


async def test_one_access_line_per_request_names_the_route_template(
    client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    room = uuid.uuid4()
    await client.get(f"/chatroom/{room}", headers={"X-Request-ID": "one-line"})
    [line] = access_records(caplog)
    assert line.levelno == logging.INFO  # a 4xx is the client's, not an alarm
    assert line.getMessage().startswith("GET /chatroom/{room_id} 401 ")
    fields = vars(line)
    assert fields["route"] == "/chatroom/{room_id}" and fields["status"] == 401
    assert fields["path"] == f"/chatroom/{room}" and fields["method"] == "GET"
    assert fields["duration_ms"] >= 0


async def test_an_unknown_path_is_logged_as_sent_and_escaped(
    client: ApiClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    await client.get("/wp-admin/%0Afake%20line")
    [line] = access_records(caplog)
    assert "\n" not in line.getMessage()
    assert line.route == "unmatched"  # type: ignore[attr-defined]


async def test_access_log_false_drops_the_lines_and_keeps_the_metrics(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=ACCESS)
    async with running_app(make_settings(tmp_path, ACCESS_LOG="false")) as client:
        await client.get("/health")
        text = await scrape(client)
    assert access_records(caplog) == []
    assert sample(text, "gemini_clone_http_requests_total", route="/health", status="200") == 1


async def test_metrics_count_requests_by_route_template_and_status(client: ApiClient) -> None:
    for _ in range(3):
        await client.get("/health")
    await client.get(f"/chatroom/{uuid.uuid4()}")
    await client.get(f"/chatroom/{uuid.uuid4()}")
    await client.get("/no/such/path")
    text = await scrape(client)
    requests = "gemini_clone_http_requests_total"
    assert sample(text, requests, method="GET", route="/health", status="200") == 3
    assert sample(text, requests, route="/chatroom/{room_id}", status="401") == 2
    assert sample(text, requests, route="unmatched", status="404") == 1
    latency = "gemini_clone_http_request_duration_seconds_count"
    assert sample(text, latency, route="/chatroom/{room_id}") == 2


async def test_metrics_count_logins_code_sends_and_quota_refusals(client: ApiClient) -> None:
    headers = await login(client)  # one code sent, one login by code
    wrong = {"mobile_number": "+919876543210", "otp": "000000"}
    assert (await client.post("/auth/verify-otp", json=wrong)).status_code == 400
    room = (await client.post("/chatroom", json={"name": "q"}, headers=headers)).json()
    path = f"/chatroom/{room['data']['chatroom']['id']}/message"
    statuses = [
        (await client.post(path, json={"content": f"n{i}"}, headers=headers)).status_code
        for i in range(6)
    ]
    assert statuses == [202] * 5 + [429]
    text = await scrape(client)
    assert sample(text, "gemini_clone_otp_sends_total", purpose="login", outcome="success") == 1
    assert sample(text, "gemini_clone_logins_total", method="otp", outcome="success") == 1
    assert sample(text, "gemini_clone_logins_total", method="otp", outcome="invalid_otp") == 1
    assert sample(text, "gemini_clone_quota_refusals_total") == 1


async def test_the_open_event_streams_gauge_follows_the_streams(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path), hasher=cheap_hasher())
    gauge = "gemini_clone_open_event_streams"
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = await login(client)
        room = (await client.post("/chatroom", json={"name": "live"}, headers=headers)).json()
        events = f"/chatroom/{room['data']['chatroom']['id']}/events"
        assert sample(await scrape(client), gauge) == 0
        async with client.stream("GET", events, headers=headers) as stream:
            assert stream.status_code == 200
            assert sample(await scrape(client), gauge) == 1
        for _ in range(100):  # the server notices the client left
            if sample(await scrape(client), gauge) == 0:
                break
            await asyncio.sleep(0.05)
        assert sample(await scrape(client), gauge) == 0
