"""Benchmarks of the API and the workers, measured in one run against a ceiling.

    python -m bench.run [--quick] [--out bench-results/latest.json]
                        [--api-processes N] [--worker-processes N]

It sets up the production configuration on this machine: a fresh PostgreSQL
database, a Redis db of its own, ``gemini-clone serve --workers N``,
``gemini-clone worker``, a loopback Gemini stand-in with a fixed latency
(streaming in chunks), and the ceiling (``bench/ceiling.py``: a bare Litestar
route returning the same bytes from one Redis GET, served the same way). It
seeds users (logged in through the API), rooms and messages (direct SQL),
then drives load from separate processes:

- HTTP reads and prompts with wrk (C, one thread, keep-alive connections;
  ``bench/wrk/requests.lua``): on a 2-core machine the load generator shares
  the cores with what it measures, and wrk costs a few microseconds of CPU
  per request where a Python generator costs a few hundred;
- the reply pipeline with a closed loop in this process: K clients each send
  a prompt (raw HTTP/1.1 on a kept-alive socket, cheap) and wait for the
  reply's ``message.completed`` on the Redis event channels, so exactly K
  replies are in flight. The pipeline overhead is read from the database:
  the reply's ``completed_at - created_at`` (prompt accepted -> reply
  completed) minus the model's latency.

It prints a table and writes a JSON file; it exits non-zero when any
measurement had errors or the harness broke. ``--quick`` runs in CI (about a
minute); the full run is for people (about ten).
"""

# The bench starts the processes it measures (wrk, the API, the stand-in):
# subprocess calls on fixed argument lists are its job.
# ruff: noqa: S603, S607

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "src"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import httpx  # noqa: E402
import msgspec  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402
import redis.asyncio as aioredis  # noqa: E402

from gemini_core.cursors import encode_chatroom_cursor  # noqa: E402
from gemini_core.ids import new_id  # noqa: E402
from gemini_core.ports import ChatroomCursor  # noqa: E402
from tests.support.processes import CliProcess, cli_env, run_cli, wait_ready  # noqa: E402
from tests.support.server import free_port  # noqa: E402

WRK_SCRIPT = ROOT / "bench" / "wrk" / "requests.lua"
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_BASE_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379")
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))

# Sizes of what is seeded and measured.
LIST_USERS = 20  # users whose (cached) room lists are read, 10 rooms each
POST_USERS = 20  # Pro users who send prompts under wrk
SMALL_ROOMS = 10
MANY_ROOMS = 1_000
DETAIL_MESSAGES = 50
PAGE = 50
USER_TEXT = "Explain, briefly and with one example, how a B-tree keeps its height low. "
MODEL_TEXT = (
    "A B-tree keeps every leaf at the same depth: a node holds many keys, and a full node "
    "splits in two, pushing its middle key up, so the tree grows at the root, never at a "
    "leaf. With a few hundred keys per node, three or four levels index millions of rows; "
    "a lookup reads one node per level. Example: inserting into a full leaf of a 3-4 tree "
    "splits it and moves the median key into the parent. "
)


@dataclass(frozen=True)
class Mode:
    name: str
    duration: float  # seconds of each wrk measurement
    warmup: float  # seconds of an unrecorded wrk run before it
    reply_seconds: float  # seconds of each in-flight level of the reply pipeline
    message_sizes: tuple[int, ...]
    in_flight: tuple[int, ...]
    misses: int  # sequential requests for the cache-miss latency


QUICK = Mode("quick", 2.0, 0.5, 3.0, (10, 1_000, 100_000), (1, 10, 100), 40)
FULL = Mode("full", 10.0, 2.0, 12.0, (10, 1_000, 100_000), (1, 10, 100), 300)


@dataclass
class Result:
    """One measurement: throughput, latency, errors and the ratio to the ceiling."""

    name: str
    group: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    ratio: float | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class ReplyResult:
    in_flight: int
    replies_per_s: float
    ideal_per_s: float
    of_ideal: float
    overhead_p50_ms: float
    overhead_p99_ms: float
    client_overhead_p50_ms: float
    completed: int
    errors: int


class HarnessError(Exception):
    pass


# -- processes -----------------------------------------------------------------


class Service:
    """A helper process of the bench (stand-in, ceiling) in its own session."""

    def __init__(self, name: str, args: list[str], env: dict[str, str]) -> None:
        self.name = name
        self.log = tempfile.NamedTemporaryFile(  # noqa: SIM115
            prefix=f"gcbench-{name}-", suffix=".log", delete=False
        )
        self.process = subprocess.Popen(
            args,
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    def output(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self, timeout: float = 20) -> None:
        stop_process(self.process, timeout)


def stop_process(process: subprocess.Popen[Any], timeout: float = 20) -> None:
    """SIGTERM the process, then SIGKILL its whole group (its own session)."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


def wait_http(url: str, is_up: Any, process: subprocess.Popen[Any], what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise HarnessError(f"{what} exited with {process.returncode}")
        with contextlib.suppress(httpx.TransportError):
            if is_up(httpx.get(url, timeout=2)):
                return
        time.sleep(0.1)
    raise HarnessError(f"{what} never answered at {url}")


def ensure_wrk() -> str:
    """wrk from Debian's packages; installed when missing and we are root (CI)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        raise HarnessError("wrk is not installed: apt-get install -y wrk")
    print("installing wrk (apt-get install -y wrk) ...", flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}

    def apt(*args: str) -> int:
        return subprocess.run(
            ["apt-get", *args],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            check=False,
        ).returncode

    if apt("install", "-y", "-q", "wrk"):
        apt("update", "-q")
        apt("install", "-y", "-q", "wrk")
    found = shutil.which("wrk")
    if not found:
        raise HarnessError("could not install wrk (apt-get install -y wrk)")
    return found


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = None
    with contextlib.suppress(OSError, ValueError, IndexError):
        kb = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{kb / 1024 / 1024:.0f} GiB"
    versions = {}
    for tool, args in (("postgres", ["psql", "--version"]), ("redis", ["redis-server", "-v"])):
        with contextlib.suppress(OSError):
            versions[tool] = subprocess.run(
                args, capture_output=True, text=True, check=False
            ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        **versions,
    }


# -- the stack -------------------------------------------------------------------


@dataclass
class Stack:
    api: str
    ceiling: str
    standin: str
    database_url: str
    redis_url: str
    prefix: str
    env: dict[str, str]
    worker_processes: int
    worker: CliProcess | None = None

    def start_worker(self) -> None:
        self.worker = CliProcess(
            ["worker", "--processes", str(self.worker_processes), "--concurrency", "100"],
            self.env,
        )
        deadline = time.monotonic() + 60
        while self.worker.output().count("worker ready") < self.worker_processes:
            if self.worker.process.poll() is not None or time.monotonic() > deadline:
                raise HarnessError(f"the worker did not start:\n{self.worker.output()[-3000:]}")
            time.sleep(0.1)

    def stop_worker(self) -> None:
        if self.worker is not None:
            self.worker.stop(timeout=30)
            self.worker = None


@contextlib.contextmanager
def running_stack(
    api_processes: int, worker_processes: int, latency: float, chunks: int
) -> Iterator[Stack]:
    run_id = uuid.uuid4().hex[:10]
    database = f"gc_bench_{run_id}"
    prefix = f"gcbench:{run_id}:"
    redis_url = f"{REDIS_BASE_URL}/{REDIS_DB}"
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    database_url = base.replace("postgresql://", "postgresql+psycopg://", 1) + "/" + database
    with contextlib.ExitStack() as stack:
        data_dir = stack.enter_context(tempfile.TemporaryDirectory(prefix="gcbench-data-"))

        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')

        def drop_database() -> None:
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')

        stack.callback(drop_database)

        def clean_redis() -> None:
            client = redis.Redis.from_url(redis_url)
            keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
            client.close()

        stack.callback(clean_redis)

        python_path = os.pathsep.join([str(ROOT), str(ROOT / "src")])
        plain_env = {**os.environ, "PYTHONPATH": python_path, "PYTHONUNBUFFERED": "1"}
        standin_port = free_port()
        standin = Service(
            "standin",
            [
                sys.executable,
                "-m",
                "tests.support.gemini_standin",
                "--port",
                str(standin_port),
                "--latency",
                str(latency),
                "--chunks",
                str(chunks),
            ],
            plain_env,
        )
        stack.callback(standin.stop)
        standin_url = f"http://127.0.0.1:{standin_port}"
        wait_http(standin_url + "/", lambda r: True, standin.process, "the Gemini stand-in")

        env = cli_env(
            APP_ENV="production",
            DATA_DIR=data_dir,
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            REDIS_PREFIX=prefix,
            JWT_SECRET=secrets.token_urlsafe(48),
            OTP_DELIVERY="response",
            GEMINI_API_KEY="bench-key",
            GEMINI_API_BASE=standin_url,
            WORKER_CONCURRENCY="100",
            # The seed logs dozens of users in from one address.
            CLIENT_RATE_LIMIT="0",
        )
        env["PYTHONPATH"] = python_path
        run_cli(["migrate"], env)

        api_port = free_port()
        api = CliProcess(["serve", "--port", str(api_port), "--workers", str(api_processes)], env)
        stack.callback(api.stop)
        api_url = f"http://127.0.0.1:{api_port}"
        try:
            wait_ready(api_url, api, timeout=60)
        except AssertionError as exc:
            raise HarnessError(str(exc)) from None

        ceiling_port = free_port()
        ceiling = Service(
            "ceiling",
            [
                sys.executable,
                "-m",
                "bench.ceiling",
                "--port",
                str(ceiling_port),
                "--workers",
                str(api_processes),
            ],
            {**plain_env, "REDIS_URL": redis_url, "CEILING_KEY": f"{prefix}ceiling"},
        )
        stack.callback(ceiling.stop)
        ceiling_url = f"http://127.0.0.1:{ceiling_port}"
        wait_http(
            ceiling_url + "/ceiling", lambda r: r.status_code == 404, ceiling.process, "ceiling"
        )

        result = Stack(
            api=api_url,
            ceiling=ceiling_url,
            standin=standin_url,
            database_url=database_url.replace("postgresql+psycopg://", "postgresql://", 1),
            redis_url=redis_url,
            prefix=prefix,
            env=env,
            worker_processes=worker_processes,
        )
        stack.callback(result.stop_worker)
        yield result


# -- seeding -------------------------------------------------------------------------


@dataclass
class Account:
    user_id: uuid.UUID
    token: str


@dataclass
class Room:
    id: uuid.UUID
    message_ids: list[uuid.UUID]  # oldest first


@dataclass
class Seed:
    list_users: list[Account]
    many_rooms_user: Account
    many_rooms_cursor: str
    reader: Account
    rooms_by_size: dict[int, Room]
    detail_room: Room
    pages_room: Room
    post_users: list[tuple[Account, Room]]
    reply_user: Account


def login(client: httpx.Client, index: int) -> Account:
    mobile = f"+9197{index:08d}"
    sent = client.post("/auth/send-otp", json={"mobile_number": mobile})
    if sent.status_code != 200:
        raise HarnessError(f"send-otp answered {sent.status_code}: {sent.text}")
    verified = client.post(
        "/auth/verify-otp", json={"mobile_number": mobile, "otp": sent.json()["data"]["otp"]}
    )
    if verified.status_code != 200:
        raise HarnessError(f"verify-otp answered {verified.status_code}: {verified.text}")
    data = verified.json()["data"]
    return Account(user_id=uuid.UUID(data["user"]["id"]), token=data["access_token"])


class Seeder:
    """Rooms, messages and subscriptions straight into PostgreSQL."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn
        self.start = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
        self.tick = 0

    def _now(self) -> dt.datetime:
        # Strictly increasing times in the past, in step with the UUIDv7 ids.
        self.tick += 1
        return self.start + dt.timedelta(milliseconds=self.tick)

    def rooms(self, user_id: uuid.UUID, count: int) -> list[uuid.UUID]:
        ids = []
        with (
            self.conn.cursor() as cur,
            cur.copy(
                "COPY chatrooms (id, user_id, name, created_at, updated_at, activity_at) FROM STDIN"
            ) as copy,
        ):
            for index in range(count):
                room_id, at = new_id(), self._now()
                copy.write_row((room_id, user_id, f"Room {index + 1}", at, at, at))
                ids.append(room_id)
        return ids

    def messages(self, user_id: uuid.UUID, room_id: uuid.UUID, count: int) -> list[uuid.UUID]:
        ids = []
        at = self.start
        with (
            self.conn.cursor() as cur,
            cur.copy(
                "COPY messages (id, chatroom_id, user_id, role, content, status, created_at, "
                "completed_at, prompt_tokens, output_tokens, deliveries) FROM STDIN"
            ) as copy,
        ):
            for index in range(count):
                message_id, at = new_id(), self._now()
                user_turn = index % 2 == 0
                copy.write_row(
                    (
                        message_id,
                        room_id,
                        user_id,
                        "user" if user_turn else "model",
                        USER_TEXT if user_turn else MODEL_TEXT,
                        "completed",
                        at,
                        at,
                        None if user_turn else 16,
                        None if user_turn else 90,
                        0 if user_turn else 1,
                    )
                )
                ids.append(message_id)
        if count:
            self.conn.execute(
                "UPDATE chatrooms SET last_message_at = %s, activity_at = %s WHERE id = %s",
                (at, at, room_id),
            )
        return ids

    def pro(self, user_id: uuid.UUID) -> None:
        self.conn.execute(
            "INSERT INTO subscriptions (user_id, status, customer_id, subscription_id, "
            "current_period_end, cancel_at_period_end, event_created) "
            "VALUES (%s, 'active', %s, %s, %s, false, 0)",
            (
                user_id,
                f"cus_bench_{user_id.hex[:16]}",
                f"sub_bench_{user_id.hex[:16]}",
                dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
            ),
        )


def seed(stack: Stack, mode: Mode) -> Seed:
    started = time.monotonic()
    with httpx.Client(base_url=stack.api, timeout=30) as client:
        accounts = [login(client, index) for index in range(LIST_USERS + POST_USERS + 3)]
    list_users = accounts[:LIST_USERS]
    post_accounts = accounts[LIST_USERS : LIST_USERS + POST_USERS]
    many_rooms_user, reader, reply_user = accounts[LIST_USERS + POST_USERS :]
    with psycopg.connect(stack.database_url) as conn:
        seeder = Seeder(conn)
        for account in list_users:
            seeder.rooms(account.user_id, SMALL_ROOMS)
        many = seeder.rooms(many_rooms_user.user_id, MANY_ROOMS)
        sizes = sorted({*mode.message_sizes, DETAIL_MESSAGES, 1_000})
        rooms: dict[int, Room] = {}
        for size, room_id in zip(sizes, seeder.rooms(reader.user_id, len(sizes)), strict=True):
            rooms[size] = Room(room_id, seeder.messages(reader.user_id, room_id, size))
        post_users = []
        for account in post_accounts:
            seeder.pro(account.user_id)
            (room_id,) = seeder.rooms(account.user_id, 1)
            post_users.append(
                (account, Room(room_id, seeder.messages(account.user_id, room_id, 10)))
            )
        seeder.pro(reply_user.user_id)
        conn.commit()
        conn.execute("ANALYZE")
    # The list of 1,000 rooms is newest first: a cursor at the 980th room
    # reads the last page.
    with psycopg.connect(stack.database_url) as conn:
        row = conn.execute(
            "SELECT activity_at, id FROM chatrooms WHERE user_id = %s "
            "ORDER BY activity_at DESC, id DESC OFFSET 979 LIMIT 1",
            (many_rooms_user.user_id,),
        ).fetchone()
    assert row is not None
    assert many
    cursor = encode_chatroom_cursor(ChatroomCursor(activity_at=row[0], id=row[1]))
    print(f"seeded in {time.monotonic() - started:.1f}s", flush=True)
    return Seed(
        list_users=list_users,
        many_rooms_user=many_rooms_user,
        many_rooms_cursor=cursor,
        reader=reader,
        rooms_by_size={size: rooms[size] for size in mode.message_sizes},
        detail_room=rooms[DETAIL_MESSAGES],
        pages_room=rooms[1_000],
        post_users=post_users,
        reply_user=reply_user,
    )


# -- wrk -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Req:
    method: str
    path: str
    token: str = ""
    body: str = ""


class Wrk:
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

    def measure(self, name: str, group: str, base: str, requests: Sequence[Req]) -> Result:
        if self.mode.warmup > 0:
            self._run(base, requests, self.mode.warmup)
        raw = self._run(base, requests, self.mode.duration)
        errors = sum(raw["errors"].values())
        seconds = raw["duration_us"] / 1e6
        result = Result(
            name=name,
            group=group,
            rps=raw["requests"] / seconds if seconds else 0.0,
            p50_ms=raw["latency_us"]["p50"] / 1000,
            p99_ms=raw["latency_us"]["p99"] / 1000,
            errors=errors,
            extra={
                "requests": raw["requests"],
                "errors": raw["errors"],
                "cache_misses": raw["cache_misses"],
                "p90_ms": raw["latency_us"]["p90"] / 1000,
                "max_ms": raw["latency_us"]["max"] / 1000,
                "bytes_per_response": raw["bytes"] / max(1, raw["requests"]),
            },
        )
        print(
            f"  {name:<52} {result.rps:>8.0f} req/s  p50 {result.p50_ms:6.2f} ms"
            f"  p99 {result.p99_ms:7.2f} ms  errors {errors}",
            flush=True,
        )
        return result


# -- the measurements ----------------------------------------------------------------


def measure_reads(stack: Stack, data: Seed, wrk: Wrk, mode: Mode) -> list[Result]:
    results = []
    with httpx.Client(base_url=stack.api, timeout=30) as client:
        # Warm every list user's cache, and check that it hits.
        for account in data.list_users:
            headers = {"authorization": f"Bearer {account.token}"}
            client.get("/chatroom", headers=headers).raise_for_status()
            again = client.get("/chatroom", headers=headers)
            if again.headers.get("x-cache") != "HIT":
                raise HarnessError("GET /chatroom did not hit the cache on the second call")
        body = again.content
    # The ceiling answers with the bytes of the API's own cached list.
    redis.Redis.from_url(stack.redis_url).set(f"{stack.prefix}ceiling", body)

    ceiling = wrk.measure(
        "ceiling: bare route, one Redis GET",
        "ceiling",
        stack.ceiling,
        [Req("GET", "/ceiling", account.token) for account in data.list_users],
    )
    ceiling.ratio = 1.0
    ceiling.extra["body_bytes"] = len(body)
    results.append(ceiling)

    results.append(
        wrk.measure(
            "GET /chatroom (cache hit)",
            "api",
            stack.api,
            [Req("GET", "/chatroom", account.token) for account in data.list_users],
        )
    )
    token = data.reader.token
    results.append(
        wrk.measure(
            f"GET /chatroom/{{id}} ({DETAIL_MESSAGES} messages)",
            "api",
            stack.api,
            [Req("GET", f"/chatroom/{data.detail_room.id}", token)],
        )
    )
    ids = data.pages_room.message_ids
    pages = [Req("GET", f"/chatroom/{data.pages_room.id}/messages?limit={PAGE}", token)] + [
        Req("GET", f"/chatroom/{data.pages_room.id}/messages?limit={PAGE}&before={ids[i]}", token)
        for i in range(len(ids) - PAGE, PAGE - 1, -PAGE)
    ]
    results.append(
        wrk.measure(
            f"GET /chatroom/{{id}}/messages (pages of {PAGE}, 1,000)", "api", stack.api, pages
        )
    )

    # Growth with the data: messages in a room, rooms of a user.
    for size, room in data.rooms_by_size.items():
        results.append(
            wrk.measure(
                f"GET /chatroom/{{id}}, {size:,} messages",
                f"growth:room:{size}",
                stack.api,
                [Req("GET", f"/chatroom/{room.id}", token)],
            )
        )
    for size, room in data.rooms_by_size.items():
        results.append(
            wrk.measure(
                f"GET .../messages newest page, {size:,} messages",
                f"growth:newest:{size}",
                stack.api,
                [Req("GET", f"/chatroom/{room.id}/messages?limit={PAGE}", token)],
            )
        )
    for size, room in data.rooms_by_size.items():
        before = room.message_ids[min(PAGE, len(room.message_ids) - 1)]
        results.append(
            wrk.measure(
                f"GET .../messages oldest page, {size:,} messages",
                f"growth:oldest:{size}",
                stack.api,
                [Req("GET", f"/chatroom/{room.id}/messages?limit={PAGE}&before={before}", token)],
            )
        )
    small_user = data.list_users[0]
    for count, account, extra in (
        (SMALL_ROOMS, small_user, ""),
        (MANY_ROOMS, data.many_rooms_user, ""),
        (MANY_ROOMS, data.many_rooms_user, f"&cursor={data.many_rooms_cursor}"),
    ):
        label = "last page" if extra else "first page"
        results.append(
            wrk.measure(
                f"GET /chatroom (hit, {label}), {count:,} rooms",
                f"growth:rooms-hit{'-last' if extra else ''}:{count}",
                stack.api,
                [Req("GET", f"/chatroom?limit=20{extra}", account.token)],
            )
        )
    for count, account, extra in (
        (SMALL_ROOMS, small_user, ""),
        (MANY_ROOMS, data.many_rooms_user, ""),
        (MANY_ROOMS, data.many_rooms_user, f"&cursor={data.many_rooms_cursor}"),
    ):
        label = "last page" if extra else "first page"
        results.append(
            measure_misses(
                stack,
                account,
                f"/chatroom?limit=20{extra}",
                f"GET /chatroom (miss, {label}), {count:,} rooms (1 conn.)",
                f"growth:rooms-miss{'-last' if extra else ''}:{count}",
                mode.misses,
            )
        )
    return results


def measure_misses(
    stack: Stack, account: Account, path: str, name: str, group: str, count: int
) -> Result:
    """Sequential cache misses: the generation is bumped before each call
    (what creating a room does), so the list is read from PostgreSQL."""
    client = redis.Redis.from_url(stack.redis_url)
    key = f"{stack.prefix}rooms:{account.user_id}:gen"
    times, errors = [], 0
    with httpx.Client(base_url=stack.api, timeout=30) as http:
        headers = {"authorization": f"Bearer {account.token}"}
        for index in range(count + 5):
            client.incr(key)
            started = time.perf_counter()
            response = http.get(path, headers=headers)
            elapsed = time.perf_counter() - started
            if response.status_code != 200 or response.headers.get("x-cache") != "MISS":
                errors += 1
            if index >= 5:
                times.append(elapsed)
    client.close()
    times.sort()
    result = Result(
        name=name,
        group=group,
        rps=len(times) / sum(times),
        p50_ms=statistics.median(times) * 1000,
        p99_ms=times[min(len(times) - 1, int(len(times) * 0.99))] * 1000,
        errors=errors,
        note="sequential, one connection",
    )
    print(
        f"  {name:<52} {result.rps:>8.0f} req/s  p50 {result.p50_ms:6.2f} ms"
        f"  p99 {result.p99_ms:7.2f} ms  errors {errors}",
        flush=True,
    )
    return result


def measure_posts(stack: Stack, data: Seed, wrk: Wrk) -> Result:
    body = json.dumps({"content": "How do B-trees stay shallow? Answer in two sentences."})
    return wrk.measure(
        "POST /chatroom/{id}/message (Pro)",
        "api",
        stack.api,
        [
            Req("POST", f"/chatroom/{room.id}/message", account.token, body)
            for account, room in data.post_users
        ],
    )


# -- the reply pipeline ----------------------------------------------------------------


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


async def drive_replies(
    stack: Stack, account: Account, rooms: list[uuid.UUID], seconds: float, latency: float
) -> ReplyResult:
    """K clients (one room each) each keep one prompt in flight for ``seconds``."""
    k = len(rooms)
    loop = asyncio.get_running_loop()
    finished: dict[str, tuple[str, float]] = {}
    waiting: dict[str, asyncio.Future[tuple[str, float]]] = {}
    client = aioredis.Redis.from_url(stack.redis_url)
    pubsub = client.pubsub()
    await pubsub.psubscribe(f"{stack.prefix}events:*")
    decoder = msgspec.msgpack.Decoder()

    async def read_events() -> None:
        async for message in pubsub.listen():
            if message["type"] != "pmessage":
                continue
            event = decoder.decode(message["data"])
            kind = event.get("type")
            if kind in ("message.completed", "message.failed"):
                outcome = (kind, loop.time())
                reply_id = str(event["message_id"])
                future = waiting.pop(reply_id, None)
                if future is None:
                    finished[reply_id] = outcome
                elif not future.done():
                    future.set_result(outcome)

    reader = asyncio.create_task(read_events())
    await asyncio.sleep(0.2)  # the PSUBSCRIBE is confirmed
    host, port = stack.api.removeprefix("http://").split(":")
    body = json.dumps({"content": "Tell me one fact about B-trees."}).encode()
    records: list[tuple[str, float, float, str]] = []  # reply id, accepted, done, outcome
    errors = 0
    warmup = min(2.0, seconds / 4)
    start = loop.time()
    stop_at = start + warmup + seconds

    async def client_loop(room_id: uuid.UUID) -> None:
        nonlocal errors
        http = RawHttp(host, int(port))
        try:
            while loop.time() < stop_at:
                status, raw = await http.request(
                    "POST", f"/chatroom/{room_id}/message", account.token, body
                )
                accepted = loop.time()
                if status != 202:
                    errors += 1
                    await asyncio.sleep(0.05)
                    continue
                reply_id = json.loads(raw)["data"]["reply"]["id"]
                if reply_id in finished:
                    outcome = finished.pop(reply_id)
                else:
                    future = loop.create_future()
                    waiting[reply_id] = future
                    try:
                        outcome = await asyncio.wait_for(future, 60)
                    except TimeoutError:
                        waiting.pop(reply_id, None)
                        errors += 1
                        continue
                if outcome[0] != "message.completed":
                    errors += 1
                records.append((reply_id, accepted, outcome[1], outcome[0]))
        finally:
            await http.close()

    try:
        await asyncio.gather(*(client_loop(room) for room in rooms))
    finally:
        reader.cancel()
        await asyncio.gather(reader, return_exceptions=True)
        await pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
        await client.aclose()
    window_start, window_end = start + warmup, stop_at
    counted = [r for r in records if window_start <= r[2] <= window_end and r[3].endswith("ed")]
    completed = [r for r in counted if r[3] == "message.completed"]
    rate = len(completed) / seconds
    # Server-side: prompt accepted (created_at) -> reply completed (completed_at).
    measured = [r for r in records if r[2] >= window_start and r[3] == "message.completed"]
    with psycopg.connect(stack.database_url) as conn:
        rows = conn.execute(
            "SELECT EXTRACT(EPOCH FROM completed_at - created_at) FROM messages "
            "WHERE id = ANY(%s) AND status = 'completed'",
            ([uuid.UUID(r[0]) for r in measured],),
        ).fetchall()
    spans = sorted(float(row[0]) for row in rows) or [float("nan")]
    client_spans = sorted(r[2] - r[1] for r in measured) or [float("nan")]
    ideal = k / latency
    result = ReplyResult(
        in_flight=k,
        replies_per_s=rate,
        ideal_per_s=ideal,
        of_ideal=rate / ideal,
        overhead_p50_ms=(statistics.median(spans) - latency) * 1000,
        overhead_p99_ms=(spans[min(len(spans) - 1, int(len(spans) * 0.99))] - latency) * 1000,
        client_overhead_p50_ms=(statistics.median(client_spans) - latency) * 1000,
        completed=len(records),
        errors=errors,
    )
    print(
        f"  replies, {k:>3} in flight: {rate:7.1f}/s ({result.of_ideal:.0%} of {ideal:.0f}/s)"
        f"  overhead p50 {result.overhead_p50_ms:6.1f} ms p99 {result.overhead_p99_ms:6.1f} ms"
        f"  errors {errors}",
        flush=True,
    )
    return result


def measure_replies(stack: Stack, data: Seed, mode: Mode, latency: float) -> list[ReplyResult]:
    results = []
    with psycopg.connect(stack.database_url) as conn:
        seeder = Seeder(conn)
        levels = {k: seeder.rooms(data.reply_user.user_id, k) for k in mode.in_flight}
        conn.commit()
    stack.start_worker()
    try:
        for rooms in levels.values():
            results.append(
                asyncio.run(
                    drive_replies(stack, data.reply_user, rooms, mode.reply_seconds, latency)
                )
            )
    finally:
        stack.stop_worker()
    return results


def measure_standin(stack: Stack) -> float:
    """The stand-in's own latency for one streamed answer, seconds (p50 of 5)."""
    url = f"{stack.standin}/v1beta/models/bench:streamGenerateContent?alt=sse"
    payload = {"contents": [{"role": "user", "parts": [{"text": "hello"}]}]}
    times = []
    with httpx.Client(timeout=10) as client:
        for _ in range(5):
            started = time.perf_counter()
            with client.stream("POST", url, json=payload) as response:
                for _chunk in response.iter_bytes():
                    pass
            times.append(time.perf_counter() - started)
    return statistics.median(times)


# -- report -------------------------------------------------------------------------------


def evaluate(
    results: list[Result],
    replies: list[ReplyResult],
    mode: Mode,
    latency: float,
    worker_processes: int,
) -> list[dict[str, Any]]:
    by_group: dict[str, Result] = {}
    for result in results:
        by_group.setdefault(result.group, result)
    named = {r.name: r for r in results}
    targets = []

    def add(target: str, value: str, met: bool) -> None:
        targets.append({"target": target, "value": value, "met": met})

    ceiling = by_group["ceiling"].rps
    hit = named["GET /chatroom (cache hit)"]
    add(
        "cached GET /chatroom >= 60 % of the ceiling",
        f"{hit.rps / ceiling:.0%}",
        hit.rps / ceiling >= 0.60,
    )
    post = named["POST /chatroom/{id}/message (Pro)"]
    add(
        "POST /chatroom/{id}/message >= 25 % of the ceiling, no errors",
        f"{post.rps / ceiling:.0%}, {post.errors} errors",
        post.rps / ceiling >= 0.25 and post.errors == 0,
    )
    small, large = min(mode.message_sizes), max(mode.message_sizes)
    for kind in ("room", "newest", "oldest"):
        a, b = by_group[f"growth:{kind}:{small}"], by_group[f"growth:{kind}:{large}"]
        add(
            f"{b.name.split(',')[0]}: p50 at {large:,} <= 1.5 x p50 at {small:,}",
            f"{b.p50_ms:.2f} / {a.p50_ms:.2f} ms = {b.p50_ms / a.p50_ms:.2f}x",
            b.p50_ms <= 1.5 * a.p50_ms,
        )
    for kind in ("rooms-hit", "rooms-miss"):
        a, b = by_group[f"growth:{kind}:{SMALL_ROOMS}"], by_group[f"growth:{kind}:{MANY_ROOMS}"]
        add(
            f"GET /chatroom ({kind.split('-')[1]}): p50 at {MANY_ROOMS:,} rooms <= 1.5 x at "
            f"{SMALL_ROOMS}",
            f"{b.p50_ms:.2f} / {a.p50_ms:.2f} ms = {b.p50_ms / a.p50_ms:.2f}x",
            b.p50_ms <= 1.5 * a.p50_ms,
        )
    top = max(replies, key=lambda r: r.in_flight)
    ideal = top.ideal_per_s
    add(
        f"workers: {top.in_flight} in flight >= 80 % of ideal ({ideal:.0f} replies/s)",
        f"{top.replies_per_s:.0f}/s = {top.replies_per_s / ideal:.0%}",
        top.replies_per_s >= 0.8 * ideal,
    )
    for reply in replies:
        add(
            f"pipeline overhead p50 < 10 % of model latency, {reply.in_flight} in flight",
            f"{reply.overhead_p50_ms:.1f} ms",
            reply.overhead_p50_ms < 0.1 * latency * 1000,
        )
    return targets


def table(results: list[Result], replies: list[ReplyResult], targets: list[dict[str, Any]]) -> str:
    lines = [
        "| measurement | req/s | p50 ms | p99 ms | errors | of ceiling |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ratio = f"{r.ratio:.0%}" if r.ratio is not None else ""
        lines.append(
            f"| {r.name} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.errors} | {ratio} |"
        )
    lines += [
        "",
        "| replies in flight | replies/s | of ideal | overhead p50 ms | overhead p99 ms | errors |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in replies:
        lines.append(
            f"| {p.in_flight} | {p.replies_per_s:,.1f} | {p.of_ideal:.0%} of {p.ideal_per_s:.0f} "
            f"| {p.overhead_p50_ms:.1f} | {p.overhead_p99_ms:.1f} | {p.errors} |"
        )
    lines += ["", "| target | value | met |", "| --- | --- | --- |"]
    for t in targets:
        lines.append(f"| {t['target']} | {t['value']} | {'yes' if t['met'] else '**no**'} |")
    return "\n".join(lines)


# -- main ---------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="seconds per measurement (CI)")
    parser.add_argument(
        "--out",
        default=None,
        help="the JSON file (default: bench-results/latest.json, or quick.json with --quick)",
    )
    parser.add_argument("--api-processes", type=int, default=2, help="gemini-clone serve --workers")
    parser.add_argument("--worker-processes", type=int, default=1, help="gemini-clone worker")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--latency", type=float, default=0.2, help="the stand-in's latency, s")
    parser.add_argument("--chunks", type=int, default=4, help="the stand-in's SSE chunks")
    parser.add_argument(
        "--only",
        choices=["reads", "posts", "replies"],
        action="append",
        help="run only these parts (repeatable; for profiling)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    mode = QUICK if args.quick else FULL
    parts = set(args.only or ["reads", "posts", "replies"])

    def on_term(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    results: list[Result] = []
    replies: list[ReplyResult] = []
    report: dict[str, Any] = {
        "command": " ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
        "mode": mode.name,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    try:
        wrk = Wrk(ensure_wrk(), mode, args.connections, args.threads)
        report["config"] = {
            "api_processes": args.api_processes,
            "worker_processes": args.worker_processes,
            "worker_concurrency": 100,
            "load_generator": f"{wrk.version()}, {args.threads} thread(s), "
            f"{args.connections} connections",
            "seconds_per_measurement": mode.duration,
            "model_latency_s": args.latency,
            "model_chunks": args.chunks,
        }
        print(f"bench ({mode.name}): {report['config']}", flush=True)
        with running_stack(
            args.api_processes, args.worker_processes, args.latency, args.chunks
        ) as stack:
            data = seed(stack, mode)
            report["standin_latency_s"] = measure_standin(stack)
            if "reads" in parts:
                results += measure_reads(stack, data, wrk, mode)
            if "replies" in parts:
                replies = measure_replies(stack, data, mode, args.latency)
            if "posts" in parts:
                # After the replies, with the workers stopped: this measures the
                # API's side of a prompt; the queue keeps what it is given.
                results.append(measure_posts(stack, data, wrk))
    except (HarnessError, subprocess.SubprocessError, OSError, psycopg.Error, redis.RedisError):
        traceback.print_exc()
        print("bench: the harness broke", file=sys.stderr)
        return 2
    ceiling = next((r for r in results if r.group == "ceiling"), None)
    if ceiling is not None:
        for r in results:
            # Sequential single-connection figures are latencies, not throughput.
            r.ratio = None if r.note else r.rps / ceiling.rps
    targets = (
        evaluate(results, replies, mode, args.latency, args.worker_processes)
        if (parts == {"reads", "posts", "replies"})
        else []
    )
    errors = sum(r.errors for r in results) + sum(p.errors for p in replies)
    report.update(
        seconds=round(time.monotonic() - started, 1),
        results=[asdict(r) for r in results],
        replies=[asdict(p) for p in replies],
        targets=targets,
        errors=errors,
    )
    out = Path(args.out or f"bench-results/{'quick' if args.quick else 'latest'}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print()
    print(
        f"{report['machine']['cpu']}, {report['machine']['cores']} cores; "
        f"{report['config']['load_generator']}"
    )
    print(table(results, replies, targets))
    print(f"\nwritten to {out} in {report['seconds']} s; errors: {errors}")
    if errors:
        print("bench: some measurements had errors", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
