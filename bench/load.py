"""The load drivers: wrk for HTTP reads and prompts, and a raw HTTP/1.1
client for the reply pipeline's closed loop.

On a 2-core machine the load generator shares the cores with what it
measures: wrk (C, one thread, keep-alive connections, ``bench/wrk/requests.lua``)
costs a few microseconds of CPU per request where a Python client costs a
few hundred, which would show up as a slower API.
"""

# wrk and apt-get are started on fixed argument lists: that is this module's job.
# ruff: noqa: S603, S607

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.common import WRK_SCRIPT, HarnessError, Mode, Result
from bench.usage import ProcessTree


def ensure_wrk() -> str:
    """wrk from Debian's packages; installed when missing and we are root (CI)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise HarnessError("wrk is not installed: apt-get install -y wrk")
    print("installing wrk (apt-get install -y wrk) ...", flush=True)
    if _apt("install", "-y", "-q", "wrk"):
        _apt("update", "-q")
        _apt("install", "-y", "-q", "wrk")
    found = shutil.which("wrk")
    if not found:
        raise HarnessError("could not install wrk (apt-get install -y wrk)")
    return found


def _apt(*args: str) -> int:
    return subprocess.run(
        ["apt-get", *args],
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
        check=False,
    ).returncode


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    token: str = ""
    body: str = ""


class Wrk:
    """wrk runs on a list of requests, each connection cycling through it."""

    def __init__(self, binary: str, mode: Mode, connections: int, threads: int) -> None:
        self.binary = binary
        self.mode = mode
        self.connections = connections
        self.threads = threads
        self.folder = Path(tempfile.mkdtemp(prefix="gcbench-wrk-"))

    def version(self) -> str:
        out = subprocess.run([self.binary, "-v"], capture_output=True, text=True, check=False)
        # "wrk debian/4.1.0-3+b2 [epoll] Copyright ..." -> "wrk debian/4.1.0-3+b2"
        return (out.stdout + out.stderr).splitlines()[0].split(" [")[0].strip()

    def _run(self, base: str, requests: Sequence[Req], seconds: float) -> dict[str, Any]:
        listing = self.folder / f"{uuid.uuid4().hex}.tsv"
        listing.write_text(
            "".join(f"{r.method}\t{r.path}\t{r.token}\t{r.body}\n" for r in requests)
        )
        args = [
            self.binary,
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(WRK_SCRIPT),
            base,
            "--",
            str(listing),
        ]
        out = subprocess.run(
            args, capture_output=True, text=True, timeout=seconds + 60, check=False
        )
        for line in out.stdout.splitlines():
            if line.startswith("BENCH_JSON "):
                parsed: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
                return parsed
        raise HarnessError(f"wrk printed no summary:\n{out.stdout}\n{out.stderr}")

    def measure(
        self,
        name: str,
        group: str,
        base: str,
        requests: Sequence[Req],
        watch: ProcessTree | None = None,
    ) -> Result:
        """A warm-up run, then the measured one; with ``watch``, the CPU that
        tree spent during the measured run and its memory at the end."""
        if self.mode.warmup > 0:
            self._run(base, requests, self.mode.warmup)
        if watch is None:
            raw, usage = self._run(base, requests, self.mode.duration), None
        else:
            before = watch.snapshot()
            raw = self._run(base, requests, self.mode.duration)
            usage = watch.since(before)
        seconds = raw["duration_us"] / 1e6
        result = Result(
            name=name,
            group=group,
            rps=raw["requests"] / seconds if seconds else 0.0,
            p50_ms=raw["latency_us"]["p50"] / 1000,
            p99_ms=raw["latency_us"]["p99"] / 1000,
            errors=sum(raw["errors"].values()),
            extra={
                "requests": raw["requests"],
                "errors": raw["errors"],
                "cache_misses": raw["cache_misses"],
                "p90_ms": raw["latency_us"]["p90"] / 1000,
                "max_ms": raw["latency_us"]["max"] / 1000,
                "bytes_per_response": raw["bytes"] / max(1, raw["requests"]),
            },
        )
        if usage is not None:
            result.cpu_ms_per_request = usage.per(raw["requests"])
            result.rss_mb = usage.rss_mb
            result.extra["cpu_ms"] = usage.cpu_ms
        result.show()
        return result


class RawHttp:
    """One kept-alive HTTP/1.1 connection: a request costs a few microseconds
    of our CPU rather than httpx's hundreds, which the API would feel."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, token: str, body: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        self.writer.write(head + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()
