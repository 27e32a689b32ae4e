"""GET /user/me for one user, idle and while others flood /auth/login.

    python -m bench.login_flood [--backend embedded|production] [--clients 16]
                                [--seconds 10] [--api-processes 1]

Each scenario starts its own `gemini-clone serve` (the embedded default, or
PostgreSQL and Redis at 127.0.0.1 with ``--backend production``), signs a
user up with a password, then measures ``GET /user/me`` from one kept-alive
connection: first idle, then while ``--clients`` concurrent clients (in a
process of their own) post wrong passwords for numbers that have no account,
each of which costs the server an argon2 verification (the check against a
dummy hash that keeps unknown numbers as slow as known ones).

Scenarios:

- ``unbounded``: hashing as before the bound (more slots than threads) and no
  limit per client: every bad login runs argon2 at once;
- ``hash bound``: the default PASSWORD_HASH_* bound, no limit per client (a
  flood spread over many addresses);
- ``defaults``: every default, the flood from one loopback address per
  client (127.0.0.2, 127.0.0.3, ...), so each is held to CLIENT_RATE_LIMIT.

It prints a table. Figures are only meaningful on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "src"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import httpx  # noqa: E402

from tests.support.processes import cli_env, run_cli, serving_cli  # noqa: E402
from tests.support.server import free_port  # noqa: E402

POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
MOBILE = "+919876543210"
PASSWORD = "the probe's own password"
UNBOUNDED = {
    "PASSWORD_HASH_CONCURRENCY": "1000",
    "PASSWORD_HASH_QUEUE": "100000",
    "PASSWORD_HASH_WAIT": "3600",
}


@dataclass(frozen=True)
class Scenario:
    name: str
    env: dict[str, str]
    spread: bool  # one loopback address per flood client


SCENARIOS = (
    Scenario("unbounded", {**UNBOUNDED, "CLIENT_RATE_LIMIT": "0"}, spread=False),
    Scenario("hash bound", {"CLIENT_RATE_LIMIT": "0"}, spread=False),
    Scenario("defaults", {}, spread=True),
)


@dataclass
class Row:
    scenario: str
    idle_p50: float
    idle_p99: float
    flood_p50: float
    flood_p99: float
    probe_errors: int
    flood: Counter[int]
    flood_seconds: float


# -- the flood, in a process of its own ---------------------------------------------


def flood(base: str, clients: int, seconds: float, spread: bool, out: Any) -> None:
    out.put(asyncio.run(_flood(base, clients, seconds, spread)))


async def _flood(base: str, clients: int, seconds: float, spread: bool) -> dict[int, int]:
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + seconds

    async def one(index: int) -> None:
        source = f"127.0.0.{index + 2}" if spread else "127.0.0.1"
        transport = httpx.AsyncHTTPTransport(local_address=source)
        async with httpx.AsyncClient(base_url=base, transport=transport, timeout=30) as client:
            while time.monotonic() < deadline:
                # A number with no account each time, so no per-number limit
                # answers before the hash is spent.
                mobile = f"+919{random.randrange(10**8, 10**9)}"
                body = {"mobile_number": mobile, "password": "a wrong password"}
                try:
                    response = await client.post("/auth/login", json=body)
                    statuses[response.status_code] += 1
                except httpx.TransportError:
                    statuses[0] += 1

    await asyncio.gather(*(one(i) for i in range(clients)))
    return dict(statuses)


# -- the probe ------------------------------------------------------------------------


def probe(client: httpx.Client, token: str, seconds: float, limit: int) -> tuple[list[float], int]:
    """Sequential ``GET /user/me`` for ``seconds`` (at most ``limit``); latencies in ms."""
    headers = {"Authorization": f"Bearer {token}"}
    latencies: list[float] = []
    errors = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(latencies) + errors < limit:
        started = time.perf_counter()
        try:
            ok = client.get("/user/me", headers=headers).status_code == 200
        except httpx.TransportError:
            ok = False
        if ok:
            latencies.append((time.perf_counter() - started) * 1000)
        else:
            errors += 1
    return latencies, errors


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run_scenario(scenario: Scenario, base_env: dict[str, str], args: argparse.Namespace) -> Row:
    port = free_port()
    env = {**base_env, **scenario.env}
    extra = ["--workers", str(args.api_processes)] if args.api_processes > 1 else []
    base = f"http://127.0.0.1:{port}"
    with serving_cli(env, port, *extra), httpx.Client(base_url=base, timeout=60) as client:
        account = {"mobile_number": MOBILE, "password": PASSWORD}
        signup = client.post("/auth/signup", json=account)
        # 409: signed up by an earlier scenario on the same database
        assert signup.status_code in (201, 409), signup.text
        login = client.post("/auth/login", json=account)
        assert login.status_code == 200, login.text
        token = login.json()["data"]["access_token"]
        probe(client, token, 1.0, 50)  # warm up
        idle, idle_errors = probe(client, token, args.seconds, args.probes)
        context = multiprocessing.get_context("spawn")
        results = context.Queue()
        flooder = context.Process(
            target=flood,
            args=(base, args.clients, args.seconds + 2, scenario.spread, results),
        )
        flooder.start()
        time.sleep(1.5)  # let the flood build up
        loaded, loaded_errors = probe(client, token, args.seconds, args.probes)
        statuses = Counter(results.get(timeout=args.seconds + 120))
        flooder.join(timeout=30)
    return Row(
        scenario=scenario.name,
        idle_p50=percentile(idle, 50),
        idle_p99=percentile(idle, 99),
        flood_p50=percentile(loaded, 50),
        flood_p99=percentile(loaded, 99),
        probe_errors=idle_errors + loaded_errors,
        flood=statuses,
        flood_seconds=args.seconds + 2,
    )


# -- backends -------------------------------------------------------------------------


@contextlib.contextmanager
def backend(name: str) -> Iterator[dict[str, str]]:
    data_dir = tempfile.mkdtemp(prefix="gc-flood-")
    if name == "embedded":
        yield cli_env(DATA_DIR=data_dir, LOG_LEVEL="WARNING")
        return
    import psycopg
    import redis

    database = f"gc_flood_{uuid.uuid4().hex[:12]}"
    prefix = f"gcflood{uuid.uuid4().hex[:8]}:"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{database}"')
    try:
        env = cli_env(
            APP_ENV="production",
            DATA_DIR=data_dir,
            DATABASE_URL=f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{database}",
            REDIS_URL=REDIS_URL,
            REDIS_PREFIX=prefix,
            JWT_SECRET=secrets.token_urlsafe(48),
            OTP_DELIVERY="log",
            LOG_LEVEL="WARNING",
        )
        run_cli(["migrate"], env)
        yield env
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        client = redis.Redis.from_url(REDIS_URL)
        keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
        for start in range(0, len(keys), 1000):
            client.delete(*keys[start : start + 1000])
        client.close()


# -- output ---------------------------------------------------------------------------


def table(rows: list[Row], clients: int) -> str:
    lines = [
        f"GET /user/me under a flood of bad logins ({clients} concurrent clients)",
        "",
        "| scenario | idle p50 ms | idle p99 ms | flood p50 ms | flood p99 ms | p50 x idle "
        "| flood logins/s: 401 | 429 | 503 | other | probe errors |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        rate = {code: n / row.flood_seconds for code, n in row.flood.items()}
        other = sum(v for code, v in rate.items() if code not in (401, 429, 503))
        lines.append(
            f"| {row.scenario} | {row.idle_p50:.1f} | {row.idle_p99:.1f} | {row.flood_p50:.1f} "
            f"| {row.flood_p99:.1f} | {row.flood_p50 / row.idle_p50:.1f} "
            f"| {rate.get(401, 0):.1f} | {rate.get(429, 0):.1f} | {rate.get(503, 0):.1f} "
            f"| {other:.1f} | {row.probe_errors} |"
        )
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.login_flood", description=__doc__)
    parser.add_argument("--backend", choices=["embedded", "production"], default="embedded")
    parser.add_argument("--clients", type=int, default=16, help="concurrent flood clients")
    parser.add_argument("--seconds", type=float, default=10.0, help="of each measurement")
    parser.add_argument("--probes", type=int, default=2000, help="most /user/me per measurement")
    parser.add_argument("--api-processes", type=int, default=1, help="needs --backend production")
    parser.add_argument(
        "--scenario", choices=[s.name for s in SCENARIOS], action="append", help="repeatable"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.api_processes > 1 and args.backend != "production":
        print("--api-processes above 1 needs --backend production", file=sys.stderr)
        return 2
    chosen = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    rows = []
    with backend(args.backend) as env:
        for scenario in chosen:
            print(f"scenario {scenario.name} ...", flush=True)
            rows.append(run_scenario(scenario, env, args))
    print(table(rows, args.clients))
    return 0


if __name__ == "__main__":
    sys.exit(main())
