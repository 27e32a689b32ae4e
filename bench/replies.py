"""The reply pipeline, as a closed loop: K clients (one room each) each send
a prompt (raw HTTP/1.1 on a kept-alive socket, cheap) and wait for the
reply's ``message.completed`` on the Redis event channels, so exactly K
replies are in flight. The pipeline overhead is read from the database: the
reply's ``completed_at - created_at`` (prompt accepted -> reply completed)
minus the model's latency."""

from __future__ import annotations

import asyncio
import json
import statistics
import uuid
from dataclasses import dataclass, field
from types import TracebackType

import msgspec
import psycopg
import redis.asyncio as aioredis

from bench.common import Mode, ReplyResult, percentile
from bench.load import RawHttp
from bench.seed import Account, Seed, Seeder
from bench.stack import Stack
from bench.usage import ProcessTree

PROMPT = json.dumps({"content": "Tell me one fact about B-trees."}).encode()
REPLY_TIMEOUT = 60  # seconds a client waits for its reply before counting an error
ENDS = ("message.completed", "message.failed")

Outcome = tuple[str, float]  # the event type, when it arrived (loop time)


@dataclass(frozen=True)
class Level:
    rooms: list[uuid.UUID]  # one client each
    processes: int  # gemini-clone worker --processes
    seconds: float


def measure_replies(
    stack: Stack, data: Seed, mode: Mode, latency: float, scale_processes: int
) -> list[ReplyResult]:
    """Each in-flight level of ``mode`` in turn with the run's worker
    processes; then the top level again (in fresh rooms) with
    ``scale_processes`` of them, when that is another count (0: not)."""
    counts = [(k, stack.worker_processes) for k in mode.in_flight]
    if scale_processes not in (0, stack.worker_processes):
        counts.append((max(mode.in_flight), scale_processes))
    with psycopg.connect(stack.database_url) as conn:
        seeder = Seeder(conn)
        levels = [
            Level(seeder.rooms(data.reply_user.user_id, k), n, mode.reply_seconds)
            for k, n in counts
        ]
        conn.commit()
    results: list[ReplyResult] = []
    for processes in dict.fromkeys(level.processes for level in levels):
        worker = stack.start_worker(processes)
        try:
            for level in levels:
                if level.processes == processes:
                    results.append(measure_level(stack, worker, data.reply_user, level, latency))
        finally:
            stack.stop_worker()
    return results


def measure_level(
    stack: Stack, worker: ProcessTree, account: Account, level: Level, latency: float
) -> ReplyResult:
    """One level, and what the worker and the API spent on it (warm-up and
    tail included: every reply it completed, over all the CPU it took)."""
    before, api_before = worker.snapshot(), stack.api_tree.snapshot()
    result = asyncio.run(drive_replies(stack, account, level, latency))
    usage, api = worker.since(before), stack.api_tree.since(api_before)
    result.cpu_ms_per_reply = usage.per(result.completed)
    result.rss_mb = usage.rss_mb
    result.api_cpu_ms_per_prompt = api.per(result.completed)
    result.show()
    return result


class Completions:
    """The ends of replies, as the Redis event channels announce them."""

    def __init__(self, redis_url: str, prefix: str) -> None:
        self.pattern = f"{prefix}events:*"
        self.client = aioredis.Redis.from_url(redis_url)
        self.pubsub = self.client.pubsub()
        self.finished: dict[str, Outcome] = {}  # ends seen before anyone waited
        self.waiting: dict[str, asyncio.Future[Outcome]] = {}
        self.decoder = msgspec.msgpack.Decoder()

    async def __aenter__(self) -> Completions:
        await self.pubsub.psubscribe(self.pattern)
        self.reader = asyncio.create_task(self._read())
        await asyncio.sleep(0.2)  # the PSUBSCRIBE is confirmed
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.reader.cancel()
        await asyncio.gather(self.reader, return_exceptions=True)
        await self.pubsub.aclose()  # type: ignore[no-untyped-call]  # untyped in redis-py
        await self.client.aclose()

    async def _read(self) -> None:
        loop = asyncio.get_running_loop()
        async for message in self.pubsub.listen():
            if message["type"] != "pmessage":
                continue
            event = self.decoder.decode(message["data"])
            if event.get("type") not in ENDS:
                continue
            outcome = (event["type"], loop.time())
            reply_id = str(event["message_id"])
            future = self.waiting.pop(reply_id, None)
            if future is None:
                self.finished[reply_id] = outcome
            elif not future.done():
                future.set_result(outcome)

    async def wait(self, reply_id: str) -> Outcome | None:
        """How the reply ended; None when it did not within ``REPLY_TIMEOUT``."""
        if reply_id in self.finished:
            return self.finished.pop(reply_id)
        future = asyncio.get_running_loop().create_future()
        self.waiting[reply_id] = future
        try:
            return await asyncio.wait_for(future, REPLY_TIMEOUT)
        except TimeoutError:
            self.waiting.pop(reply_id, None)
            return None


@dataclass
class Record:
    reply_id: str
    accepted: float  # loop time the 202 arrived
    done: float  # loop time the end event arrived
    outcome: str


@dataclass
class Tally:
    records: list[Record] = field(default_factory=list)
    errors: int = 0


async def client_loop(
    http: RawHttp, account: Account, room_id: uuid.UUID, ends: Completions, stop_at: float
) -> Tally:
    """One client: a prompt, wait for its reply, again, until ``stop_at``."""
    loop = asyncio.get_running_loop()
    tally = Tally()
    while loop.time() < stop_at:
        status, raw = await http.request(
            "POST", f"/chatroom/{room_id}/message", account.token, PROMPT
        )
        accepted = loop.time()
        if status != 202:
            tally.errors += 1
            await asyncio.sleep(0.05)
            continue
        reply_id = json.loads(raw)["data"]["reply"]["id"]
        outcome = await ends.wait(reply_id)
        if outcome is None:
            tally.errors += 1
            continue
        if outcome[0] != "message.completed":
            tally.errors += 1
        tally.records.append(Record(reply_id, accepted, outcome[1], outcome[0]))
    return tally


async def drive_replies(
    stack: Stack, account: Account, level: Level, latency: float
) -> ReplyResult:
    """K clients (one room each) each keep one prompt in flight for the
    level's seconds (after a warm-up)."""
    loop = asyncio.get_running_loop()
    rooms, seconds = level.rooms, level.seconds
    host, port = stack.api.removeprefix("http://").split(":")
    async with Completions(stack.redis_url, stack.prefix) as ends:
        warmup = min(2.0, seconds / 4)
        start = loop.time()
        stop_at = start + warmup + seconds

        async def one_client(room_id: uuid.UUID) -> Tally:
            http = RawHttp(host, int(port))
            try:
                return await client_loop(http, account, room_id, ends, stop_at)
            finally:
                await http.close()

        tallies = await asyncio.gather(*(one_client(room) for room in rooms))
    records = [record for tally in tallies for record in tally.records]
    errors = sum(tally.errors for tally in tallies)
    return summarize(stack, records, errors, level, (start + warmup, stop_at), latency)


def summarize(
    stack: Stack,
    records: list[Record],
    errors: int,
    level: Level,
    window: tuple[float, float],
    latency: float,
) -> ReplyResult:
    """Replies/s within the window; overheads of the replies that ended in it."""
    seconds = window[1] - window[0]
    completed = [
        r for r in records if window[0] <= r.done <= window[1] and r.outcome == "message.completed"
    ]
    rate = len(completed) / seconds
    measured = [r for r in records if r.done >= window[0] and r.outcome == "message.completed"]
    spans = server_spans(stack, measured) or [float("nan")]
    client_spans = sorted(r.done - r.accepted for r in measured) or [float("nan")]
    ideal = len(level.rooms) / latency
    return ReplyResult(
        in_flight=len(level.rooms),
        worker_processes=level.processes,
        replies_per_s=rate,
        ideal_per_s=ideal,
        of_ideal=rate / ideal,
        overhead_p50_ms=(statistics.median(spans) - latency) * 1000,
        overhead_p99_ms=(percentile(spans, 0.99) - latency) * 1000,
        client_overhead_p50_ms=(statistics.median(client_spans) - latency) * 1000,
        completed=sum(r.outcome == "message.completed" for r in records),
        errors=errors,
    )


def server_spans(stack: Stack, records: list[Record]) -> list[float]:
    """Prompt accepted (``created_at``) -> reply completed (``completed_at``),
    seconds, ascending, from the database."""
    with psycopg.connect(stack.database_url) as conn:
        rows = conn.execute(
            "SELECT EXTRACT(EPOCH FROM completed_at - created_at) FROM messages "
            "WHERE id = ANY(%s) AND status = 'completed'",
            ([uuid.UUID(r.reply_id) for r in records],),
        ).fetchall()
    return sorted(float(row[0]) for row in rows)
