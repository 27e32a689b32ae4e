"""The client's event-stream code (static/client/js/stream.js), run in
Chromium: the parser on every framing the format allows, and the stream's
reconnect with Last-Event-ID, against a stand-in ``fetch`` inside the page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver

from tests.support.browser import chromium
from tests.support.processes import cli_env, serving_cli
from tests.support.server import free_port

PARSE = """
const [chunks, done] = arguments;
import("/client/js/stream.js").then(({ SseParser }) => {
  const parser = new SseParser();
  const events = chunks.flatMap((chunk) => parser.feed(chunk));
  done({ events, lastEventId: parser.lastEventId, retry: parser.retry });
}).catch((error) => done({ error: String(error) }));
"""

RECONNECT = """
const done = arguments[0];
const body = (text, close) => new ReadableStream({
  start(controller) {
    controller.enqueue(new TextEncoder().encode(text));
    if (close) controller.close();
  },
});
const delta = (id, text) =>
  `id: ${id}\\nevent: message.delta\\ndata: {"id": "m", "text": "${text}"}\\n\\n`;
const asked = [];
// The first connection sends one event and ends; the second stays open.
window.fetch = async (url, init) => {
  asked.push(init.headers["Last-Event-ID"] ?? null);
  if (asked.length === 1) return new Response(body(`retry: 10\\n${delta(41, "a")}`, true));
  return new Response(body(delta(42, "b"), false));
};
import("/client/js/stream.js").then(({ EventStream }) => {
  const seen = { events: [], states: [], opened: [] };
  const stream = new EventStream("/chatroom/x/events", {
    onEvent: (type, payload) => {
      seen.events.push([type, payload.text]);
      if (seen.events.length === 2) {
        stream.stop();
        done({ ...seen, asked });
      }
    },
    onState: (state) => seen.states.push(state),
    onOpen: (reconnected) => seen.opened.push(reconnected),
    onProblem: () => {},
  }).start();
}).catch((error) => done({ error: String(error) }));
"""


@pytest.fixture
def page(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    port = free_port()
    with (
        serving_cli(cli_env(DATA_DIR=str(tmp_path / "data")), port),
        chromium(tmp_path / "profile", window="800,600") as driver,
    ):
        driver.get(f"http://127.0.0.1:{port}/")
        driver.set_script_timeout(10)
        yield driver


def parse(driver: webdriver.Chrome, chunks: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = driver.execute_async_script(PARSE, chunks)
    assert "error" not in result, result
    return result


def test_the_parser_reads_every_framing(page: webdriver.Chrome) -> None:
    result = parse(
        page,
        [
            # Litestar's comment frame: an unnamed event with empty data.
            ": connected\r\ndata: \r\n\r\n",
            # CR LF cut between chunks, and an id.
            'id: 7\r\nevent: message.delta\r\ndata: {"a": 1}\r\n\r',
            "\n",
            # LF only, data over two lines; a comment alone is no event.
            "data: one\ndata: two\n\n: keep-alive\n\n",
            # CR only, no space after the colon, a retry; an id with NUL is ignored.
            "retry: 2500\rid: 8\rdata:x\r\rid: bad\0id\n",
            "event: message.completed\ndata: {}\n",
            "\n",
            # Half an event: not delivered yet.
            "event: message.failed\ndata: {}",
        ],
    )
    assert result["events"] == [
        {"type": "message", "data": "", "id": ""},
        {"type": "message.delta", "data": '{"a": 1}', "id": "7"},
        {"type": "message", "data": "one\ntwo", "id": "7"},
        {"type": "message", "data": "x", "id": "8"},
        {"type": "message.completed", "data": "{}", "id": "8"},
    ]
    assert result["lastEventId"] == "8" and result["retry"] == 2500


def test_a_dropped_stream_reconnects_with_the_last_event_id(page: webdriver.Chrome) -> None:
    result: dict[str, Any] = page.execute_async_script(RECONNECT)
    assert "error" not in result, result
    assert result["asked"] == [None, "41"]
    assert result["events"] == [["message.delta", "a"], ["message.delta", "b"]]
    assert result["opened"] == [False, True]
    assert result["states"][:4] == ["connecting", "live", "reconnecting", "live"]
