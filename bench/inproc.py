"""CPU per request of the API's own code, in this process, one request at a time.

Not a figure of the table: a tool for comparing changes. The bench's rows
move 10-20 % from run to run on a shared VM because the load generator, the
ceiling and the API share two cores; this drives the ASGI app directly
(no server, no sockets of HTTP, no concurrency), against the real
PostgreSQL and Redis of the stack, and reports the process's own CPU time
per request, which moves a few per cent at most.

    python -m bench.inproc                # every route: 5 rounds of 1,000 requests
    python -m bench.inproc --rounds 3 --only list --profile /tmp/list.prof

Each round measures every route in turn; the lowest and the median round
are printed (the lowest is the figure to compare: noise only adds).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import statistics
import time
from collections.abc import Sequence
from typing import Any

from bench.common import QUICK
from bench.seed import Seed, seed
from bench.stack import running_stack

ROUTES = ("list", "room", "page", "post")
PROMPT = json.dumps({"content": "hello"}).encode()


def _requests(data: Seed) -> dict[str, tuple[str, str, list[str], bytes]]:
    """Route name -> (method, path, tokens to rotate, body)."""
    lists = [a.token for a in data.list_users]
    posts = data.post_users
    return {
        "list": ("GET", "/chatroom", lists, b""),
        "room": ("GET", f"/chatroom/{data.detail_room.id}", [data.reader.token], b""),
        "page": ("GET", f"/chatroom/{data.pages_room.id}/messages", [data.reader.token], b""),
        # Pro users have no daily limit.
        "post": ("POST", f"/chatroom/{posts[0][1].id}/message", [posts[0][0].token], PROMPT),
    }


async def _call(app: Any, method: str, path: str, token: str, body: bytes) -> int:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"bench"),
            (b"authorization", f"Bearer {token}".encode()),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    status = 0

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _measure(app: Any, route: tuple[str, str, list[str], bytes], count: int) -> float:
    method, path, tokens, body = route
    for index in range(50):  # warm-up: caches, prepared statements
        await _call(app, method, path, tokens[index % len(tokens)], body)
    started = time.process_time()
    for index in range(count):
        status = await _call(app, method, path, tokens[index % len(tokens)], body)
        if status >= 400:
            raise RuntimeError(f"{method} {path} answered {status}")
    return (time.process_time() - started) * 1000 / count


async def _run(args: argparse.Namespace, data: Seed, env: dict[str, str]) -> dict[str, float]:
    os.environ.update(env)
    from entrypoints.http.app import create_app

    app = create_app()
    routes = _requests(data)
    names = args.only or list(ROUTES)
    rounds: dict[str, list[float]] = {name: [] for name in names}
    async with app.lifespan():
        for _ in range(args.rounds):
            for name in names:
                profiler = cProfile.Profile() if args.profile else None
                if profiler:
                    profiler.enable()
                rounds[name].append(await _measure(app, routes[name], args.requests))
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(f"{args.profile}.{name}")
    results = {name: min(found) for name, found in rounds.items()}
    for name, found in rounds.items():
        print(
            f"  {name:<5} {min(found):.3f} ms CPU per request"
            f" (median {statistics.median(found):.3f}, {len(found)} rounds of {args.requests})",
            flush=True,
        )
    return results


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", action="append", choices=ROUTES)
    parser.add_argument("--profile", help="write cProfile stats to PROFILE.<route>")
    args = parser.parse_args(argv)
    with running_stack(1, 1, 0.2, 4) as stack:
        data = seed(stack, QUICK)
        asyncio.run(_run(args, data, stack.env))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
