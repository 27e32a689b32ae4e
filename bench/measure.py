"""The HTTP measurements: the ceiling, the reads (and how they grow with the
data), the cache misses, the prompts, and the stand-in's own latency."""

from __future__ import annotations

import json
import statistics
import time

import httpx
import redis

from bench.common import (
    DETAIL_MESSAGES,
    MANY_ROOMS,
    PAGE,
    SMALL_ROOMS,
    HarnessError,
    Mode,
    Result,
    percentile,
)
from bench.load import Req, Wrk
from bench.seed import Account, Seed
from bench.stack import Stack


def measure_reads(stack: Stack, data: Seed, wrk: Wrk, mode: Mode) -> list[Result]:
    return [
        measure_ceiling(stack, data, wrk),
        *measure_api_reads(stack, data, wrk),
        *measure_room_growth(stack, data, wrk),
        *measure_list_growth(stack, data, wrk, mode),
    ]


def measure_ceiling(stack: Stack, data: Seed, wrk: Wrk) -> Result:
    """The bare route, answering with the bytes of the API's own cached list."""
    body = warm_room_lists(stack, data)
    with redis.Redis.from_url(stack.redis_url) as client:
        client.set(f"{stack.prefix}ceiling", body)
    ceiling = wrk.measure(
        "ceiling: bare route, one Redis GET",
        "ceiling",
        stack.ceiling,
        [Req("GET", "/ceiling", account.token) for account in data.list_users],
        watch=stack.ceiling_tree,
    )
    ceiling.ratio = 1.0
    ceiling.extra["body_bytes"] = len(body)
    return ceiling


def warm_room_lists(stack: Stack, data: Seed) -> bytes:
    """Warm every list user's cache and check that it hits; the last list's body."""
    with httpx.Client(base_url=stack.api, timeout=30) as client:
        for account in data.list_users:
            headers = {"authorization": f"Bearer {account.token}"}
            client.get("/chatroom", headers=headers).raise_for_status()
            again = client.get("/chatroom", headers=headers)
            if again.headers.get("x-cache") != "HIT":
                raise HarnessError("GET /chatroom did not hit the cache on the second call")
    return again.content


def measure_api_reads(stack: Stack, data: Seed, wrk: Wrk) -> list[Result]:
    token = data.reader.token
    room = data.pages_room
    ids = room.message_ids
    pages = [Req("GET", f"/chatroom/{room.id}/messages?limit={PAGE}", token)] + [
        Req("GET", f"/chatroom/{room.id}/messages?limit={PAGE}&before={ids[i]}", token)
        for i in range(len(ids) - PAGE, PAGE - 1, -PAGE)
    ]
    lists = [Req("GET", "/chatroom", account.token) for account in data.list_users]
    detail = [Req("GET", f"/chatroom/{data.detail_room.id}", token)]
    watch = stack.api_tree
    return [
        wrk.measure("GET /chatroom (cache hit)", "api", stack.api, lists, watch),
        wrk.measure(
            f"GET /chatroom/{{id}} ({DETAIL_MESSAGES} messages)", "api", stack.api, detail, watch
        ),
        wrk.measure(
            f"GET /chatroom/{{id}}/messages (pages of {PAGE}, 1,000)",
            "api",
            stack.api,
            pages,
            watch,
        ),
    ]


def measure_room_growth(stack: Stack, data: Seed, wrk: Wrk) -> list[Result]:
    """A room, its newest and its oldest page, with more and more messages."""
    token = data.reader.token
    sizes = data.rooms_by_size
    results = [
        wrk.measure(
            f"GET /chatroom/{{id}}, {size:,} messages",
            f"growth:room:{size}",
            stack.api,
            [Req("GET", f"/chatroom/{room.id}", token)],
            stack.api_tree,
        )
        for size, room in sizes.items()
    ]
    results += [
        wrk.measure(
            f"GET .../messages newest page, {size:,} messages",
            f"growth:newest:{size}",
            stack.api,
            [Req("GET", f"/chatroom/{room.id}/messages?limit={PAGE}", token)],
            stack.api_tree,
        )
        for size, room in sizes.items()
    ]
    for size, room in sizes.items():
        before = room.message_ids[min(PAGE, len(room.message_ids) - 1)]
        path = f"/chatroom/{room.id}/messages?limit={PAGE}&before={before}"
        results.append(
            wrk.measure(
                f"GET .../messages oldest page, {size:,} messages",
                f"growth:oldest:{size}",
                stack.api,
                [Req("GET", path, token)],
                stack.api_tree,
            )
        )
    return results


def _list_cases(data: Seed) -> list[tuple[int, Account, str]]:
    """(rooms, user, extra query): first pages of 10 and 1,000 rooms, last page of 1,000."""
    return [
        (SMALL_ROOMS, data.list_users[0], ""),
        (MANY_ROOMS, data.many_rooms_user, ""),
        (MANY_ROOMS, data.many_rooms_user, f"&cursor={data.many_rooms_cursor}"),
    ]


def measure_list_growth(stack: Stack, data: Seed, wrk: Wrk, mode: Mode) -> list[Result]:
    """``GET /chatroom`` for users with 10 and 1,000 rooms, cached then missed."""
    results = []
    # Only first pages are cached (a page after a cursor is always read), so
    # hits are measured on first pages and the last page among the misses.
    for count, account, extra in _list_cases(data):
        if extra:
            continue
        label = "first page"
        results.append(
            wrk.measure(
                f"GET /chatroom (hit, {label}), {count:,} rooms",
                f"growth:rooms-hit{'-last' if extra else ''}:{count}",
                stack.api,
                [Req("GET", f"/chatroom?limit=20{extra}", account.token)],
                stack.api_tree,
            )
        )
    for count, account, extra in _list_cases(data):
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
    before = stack.api_tree.snapshot()
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
    usage = stack.api_tree.since(before)
    client.close()
    times.sort()
    result = Result(
        name=name,
        group=group,
        rps=len(times) / sum(times),
        p50_ms=statistics.median(times) * 1000,
        p99_ms=percentile(times, 0.99) * 1000,
        errors=errors,
        note="sequential, one connection",
        cpu_ms_per_request=usage.per(count + 5),
        rss_mb=usage.rss_mb,
    )
    result.show()
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
        stack.api_tree,
    )


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
