"""A loopback stand-in for the Gemini API, speaking its real wire format.

``POST /v1beta/models/{model}:streamGenerateContent?alt=sse`` streams the
answer in ``chunks`` SSE events spread over ``latency`` seconds;
``:generateContent`` answers in one JSON body after ``latency``. Set
``fail_with`` to an HTTP status to answer every request with that status and
Google's error JSON instead. Every request is recorded. Each answer reports
its ``usageMetadata`` (a word a token, ``THOUGHTS_TOKENS`` of thinking) and
the model of its path as ``modelVersion``. Runs in a thread
(tests) or as a script (benchmarks):

    python -m tests.support.gemini_standin --port 8765 --latency 0.2
"""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from tests.support.server import free_port

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

# google.rpc status names of the HTTP statuses a test may ask for.
_STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


# Thinking tokens the stand-in reports for every answer.
THOUGHTS_TOKENS = 5


class GeminiStandIn:
    def __init__(self, *, latency: float = 0.2, chunks: int = 4, answer: str | None = None):
        self.latency = latency
        self.chunks = chunks
        self.answer = answer
        self.fail_with: int | None = None
        self.hang_ups = 0  # streams the client closed before their end
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def _answer_for(self, body: dict[str, Any]) -> str:
        if self.answer is not None:
            return self.answer
        # The last paragraph: earlier prompts still awaiting their replies
        # are merged into the same user turn.
        last = body["contents"][-1]["parts"][0]["text"].split("\n\n")[-1]
        return f"Stand-in answer to: {last}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        payload = json.loads(body or b"{}")
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        with self._lock:
            self.requests.append(
                {
                    "path": scope["path"],
                    "query": scope["query_string"].decode(),
                    "headers": headers,
                    "body": payload,
                    "at": time.time(),
                }
            )
        if self.fail_with is not None:
            await self._fail(send, self.fail_with)
            return
        latency = self.latency  # as it was when the request came
        text = self._answer_for(payload)
        # As a thinking model (gemini-2.5) reports them: the prompt's and the
        # thoughts' counts from the first chunk on, the answer's only on the
        # last, and the model that answered (named by the path) in each.
        model = scope["path"].rpartition("/models/")[2].partition(":")[0]
        prompt_tokens = sum(
            len(part.get("text", "").split())
            for content in payload.get("contents", [])
            for part in content.get("parts", [])
        )
        output_tokens = len(text.split())
        running = {
            "promptTokenCount": prompt_tokens,
            "thoughtsTokenCount": THOUGHTS_TOKENS,
            "totalTokenCount": prompt_tokens + THOUGHTS_TOKENS,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
        }
        usage = {
            **running,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + THOUGHTS_TOKENS + output_tokens,
        }
        if scope["path"].endswith(":streamGenerateContent"):
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [(b"content-type", b"text/event-stream")],
                }
            )
            step = max(1, -(-len(text) // self.chunks))
            pieces = [text[i : i + step] for i in range(0, len(text), step)]
            for index, piece in enumerate(pieces):
                if await self._hung_up(receive, latency / len(pieces)):
                    return
                last = index == len(pieces) - 1
                candidate: dict[str, Any] = {
                    "content": {"role": "model", "parts": [{"text": piece}]},
                    "index": 0,
                }
                chunk: dict[str, Any] = {
                    "candidates": [candidate],
                    "usageMetadata": usage if last else running,
                    "modelVersion": model,
                    "responseId": "stand-in-response",
                }
                if last:
                    candidate["finishReason"] = "STOP"
                await send(
                    {
                        "type": "http.response.body",
                        "body": b"data: " + json.dumps(chunk).encode() + b"\r\n\r\n",
                        "more_body": not last,
                    }
                )
            return
        await asyncio.sleep(latency)
        reply = {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": usage,
            "modelVersion": model,
        }
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps(reply).encode()})

    async def _hung_up(self, receive: Receive, pause: float) -> bool:
        """Wait ``pause`` seconds between chunks; True (counted) when the
        client closed the stream meanwhile, as a stopped reply's worker does."""
        try:
            message = await asyncio.wait_for(receive(), pause)
        except TimeoutError:
            return False
        if message["type"] != "http.disconnect":
            return False
        with self._lock:
            self.hang_ups += 1
        return True

    @staticmethod
    async def _fail(send: Send, status: int) -> None:
        error = {
            "code": status,
            "message": f"the stand-in was told to fail with HTTP {status}",
            "status": _STATUS_NAMES.get(status, "UNKNOWN"),
        }
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json")],
            }
        )
        await send({"type": "http.response.body", "body": json.dumps({"error": error}).encode()})


@contextmanager
def running_standin(**options: Any) -> Iterator[tuple[str, GeminiStandIn]]:
    """The stand-in on a free loopback port in a thread; yields (base URL, app)."""
    app = GeminiStandIn(**options)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--chunks", type=int, default=4)
    args = parser.parse_args()
    app = GeminiStandIn(latency=args.latency, chunks=args.chunks)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
