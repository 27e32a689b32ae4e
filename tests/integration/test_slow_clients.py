"""Slow clients against a real `gemini-clone serve`: connections that trickle
their request are closed after HTTP_HEADER_TIMEOUT / HTTP_BODY_TIMEOUT, and
past HTTP_MAX_CONNECTIONS the longest-waiting one makes room, so a new
request is served while slow clients are held off."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx

from tests.support.processes import CliProcess, cli_env, serving_cli
from tests.support.server import free_port

HEADERS_START = b"GET /health HTTP/1.1\r\nHost: test\r\nX-Slow: "
BODY_START = (
    b"POST /auth/send-otp HTTP/1.1\r\nHost: test\r\n"
    b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
)


class SlowClient:
    """One connection that sends ``start``, then a byte every ``every``
    seconds, until the server closes it."""

    def __init__(self, port: int, start: bytes, every: float) -> None:
        self.port, self.start, self.every = port, start, every
        self.closed = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    async def open(self) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        self.task = asyncio.create_task(self._trickle(reader, writer))

    async def _trickle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            if self.start:
                writer.write(self.start)
                await writer.drain()
            while True:
                try:
                    async with asyncio.timeout(self.every):
                        if not await reader.read(4096):
                            return  # the server closed it
                except TimeoutError:
                    writer.write(b"a")
                    await writer.drain()
        except ConnectionError:
            return
        finally:
            self.closed.set()
            writer.close()


@contextlib.asynccontextmanager
async def slow_clients(
    port: int, count: int, start: bytes, every: float = 0.5
) -> AsyncIterator[list[SlowClient]]:
    clients = [SlowClient(port, start, every) for _ in range(count)]
    try:
        for client in clients:
            await client.open()
        yield clients
    finally:
        for client in clients:
            if client.task is not None:
                client.task.cancel()
        await asyncio.gather(*(c.task for c in clients if c.task), return_exceptions=True)


async def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    """Poll ``condition`` until true; the deadline only stops a broken run."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition():
        if loop.time() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


def open_count(clients: list[SlowClient]) -> int:
    return sum(not client.closed.is_set() for client in clients)


@contextlib.contextmanager
def server(tmp_path: Path, **env: str) -> Iterator[tuple[int, CliProcess]]:
    port = free_port()
    # Every slow client comes from 127.0.0.1: the limit per client address
    # would answer them 429 first, and it is not what is tested here.
    env = {"DATA_DIR": str(tmp_path / "data"), "CLIENT_RATE_LIMIT": "0", **env}
    with serving_cli(cli_env(**env), port) as process:
        yield port, process


async def test_a_new_request_is_served_while_200_slow_clients_hold_connections(
    tmp_path: Path,
) -> None:
    # Timeouts far beyond the test: only the connection cap acts.
    env = {"HTTP_MAX_CONNECTIONS": "50", "HTTP_HEADER_TIMEOUT": "300", "HTTP_BODY_TIMEOUT": "300"}
    with server(tmp_path, **env) as (port, process):
        async with (
            slow_clients(port, 100, HEADERS_START) as slow_headers,
            slow_clients(port, 100, BODY_START) as slow_bodies,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
        ):
            response = await client.post("/auth/send-otp", json={"mobile_number": "+919876543210"})
            assert response.status_code == 200, response.text
            # The newcomers pushed the oldest slow clients out: at most 50
            # connections are open, the fast client's among them.
            slow = slow_headers + slow_bodies
            assert await wait_until(lambda: open_count(slow) <= 49, 30), open_count(slow)
            assert (await client.get("/health")).status_code == 200
        assert "Traceback" not in process.output()


async def test_slow_headers_and_slow_bodies_are_cut_off(tmp_path: Path) -> None:
    env = {"HTTP_HEADER_TIMEOUT": "1.5", "HTTP_BODY_TIMEOUT": "1.5"}
    with server(tmp_path, **env) as (port, process):
        async with (
            slow_clients(port, 20, HEADERS_START) as slow_headers,
            slow_clients(port, 5, BODY_START) as slow_bodies,
            slow_clients(port, 5, b"", every=3600) as silent,
            httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client,
        ):
            everyone = slow_headers + slow_bodies + silent
            assert await wait_until(lambda: open_count(everyone) == 0, 30), (
                open_count(slow_headers),
                open_count(slow_bodies),
                open_count(silent),
            )
            # A request with a body, sent at once, is not affected.
            sent = await client.post("/auth/send-otp", json={"mobile_number": "+919876543210"})
            assert sent.status_code == 200, sent.text
        assert "Traceback" not in process.output()


async def test_a_kept_alive_connection_trickling_its_next_request_is_cut_off(
    tmp_path: Path,
) -> None:
    # Beyond uvicorn's 5 s keep-alive timeout, which a trickler defeats.
    env = {"HTTP_HEADER_TIMEOUT": "7"}
    with server(tmp_path, **env) as (port, _):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n")
            await writer.drain()
            assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200")
            writer.write(HEADERS_START)
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 30
            while loop.time() < deadline:
                try:
                    async with asyncio.timeout(1):
                        data = await reader.read(4096)
                    if not data:
                        break
                except TimeoutError:
                    writer.write(b"a")
                    await writer.drain()
            else:
                raise AssertionError("the trickling connection was never closed")
        except ConnectionError:
            pass
        finally:
            writer.close()


async def test_pipelined_requests_are_all_answered_and_a_slow_third_is_cut_off(
    tmp_path: Path,
) -> None:
    # Two whole requests in one write, then a third trickled in: the guard
    # follows the parser across requests on one connection.
    env = {"HTTP_HEADER_TIMEOUT": "2", "HTTP_BODY_TIMEOUT": "2"}
    body = b'{"mobile_number": "+919876543210"}'
    post = (
        b"POST /auth/send-otp HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
    )
    with server(tmp_path, **env) as (port, process):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            writer.write(b"GET /health HTTP/1.1\r\nHost: test\r\n\r\n" + post)
            await writer.drain()
            answers = b""
            async with asyncio.timeout(10):
                while answers.count(b"HTTP/1.1 200") < 2:
                    answers += await reader.read(4096)
            writer.write(HEADERS_START)
            await writer.drain()
            async with asyncio.timeout(15):
                while await reader.read(4096):
                    pass  # until the server closes it
        finally:
            writer.close()
        assert "Traceback" not in process.output()
