"""Benchmarks of the API and the workers, measured in one run against a ceiling.

    python -m bench.run [--quick] [--out bench-results/latest.json]
                        [--api-processes N] [--worker-processes N]

It sets up the production configuration on this machine (``bench/stack.py``:
a fresh PostgreSQL database, a Redis db of its own, ``gemini-clone serve
--workers N``, ``gemini-clone worker``, a loopback Gemini stand-in with a
fixed latency, and the ceiling, ``bench/ceiling.py``), seeds users, rooms and
messages (``bench/seed.py``), then drives load from separate processes
(``bench/load.py``): the HTTP reads and prompts with wrk
(``bench/measure.py``), the reply pipeline with a closed loop of K clients
(``bench/replies.py``).

It prints a table and writes a JSON file (``bench/report.py``); it exits
non-zero when any measurement had errors or the harness broke. ``--quick``
runs in CI (about 90 s); the full run is for people (about five minutes).
See bench/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import signal
import subprocess
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
import redis

from bench.common import FULL, QUICK, WORKER_CONCURRENCY, HarnessError, Mode, ReplyResult, Result
from bench.load import Wrk, ensure_wrk
from bench.measure import measure_posts, measure_reads, measure_standin
from bench.replies import measure_replies
from bench.report import evaluate, machine, set_ratios, write
from bench.seed import seed
from bench.stack import running_stack

PARTS = ("reads", "posts", "replies")


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
    parser.add_argument(
        "--scale-processes",
        type=int,
        default=2,
        help="worker processes of the extra top in-flight level (0: none)",
    )
    parser.add_argument("--connections", type=int, default=32, help="wrk connections")
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--latency", type=float, default=0.2, help="the stand-in's latency, s")
    parser.add_argument("--chunks", type=int, default=4, help="the stand-in's SSE chunks")
    parser.add_argument(
        "--only",
        choices=list(PARTS),
        action="append",
        help="run only these parts (repeatable; for profiling)",
    )
    return parser.parse_args(argv)


def config(args: argparse.Namespace, wrk: Wrk, mode: Mode) -> dict[str, Any]:
    return {
        "api_processes": args.api_processes,
        "worker_processes": args.worker_processes,
        "scale_worker_processes": args.scale_processes,
        "worker_concurrency": WORKER_CONCURRENCY,
        "load_generator": f"{wrk.version()}, {args.threads} thread(s), "
        f"{args.connections} connections",
        "seconds_per_measurement": mode.duration,
        "model_latency_s": args.latency,
        "model_chunks": args.chunks,
    }


def measure(
    args: argparse.Namespace, mode: Mode, wrk: Wrk, parts: set[str], report: dict[str, Any]
) -> tuple[list[Result], list[ReplyResult]]:
    """Start the stack, seed it and take the measurements of ``parts``."""
    results: list[Result] = []
    replies: list[ReplyResult] = []
    with running_stack(
        args.api_processes, args.worker_processes, args.latency, args.chunks
    ) as stack:
        data = seed(stack, mode)
        report["standin_latency_s"] = measure_standin(stack)
        if "reads" in parts:
            results += measure_reads(stack, data, wrk, mode)
        if "replies" in parts:
            replies = measure_replies(stack, data, mode, args.latency, args.scale_processes)
        if "posts" in parts:
            # After the replies, with the workers stopped: this measures the
            # API's side of a prompt; the queue keeps what it is given.
            results.append(measure_posts(stack, data, wrk))
    return results, replies


def on_term(signum: int, _frame: object) -> None:
    """SIGTERM unwinds like Ctrl-C: every process started is stopped."""
    raise SystemExit(128 + signum)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    mode = QUICK if args.quick else FULL
    parts = set(args.only or PARTS)
    signal.signal(signal.SIGTERM, on_term)
    started = time.monotonic()
    report: dict[str, Any] = {
        "command": " ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])]),
        "mode": mode.name,
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    try:
        wrk = Wrk(ensure_wrk(), mode, args.connections, args.threads)
        report["config"] = config(args, wrk, mode)
        print(f"bench ({mode.name}): {report['config']}", flush=True)
        results, replies = measure(args, mode, wrk, parts, report)
    except (HarnessError, subprocess.SubprocessError, OSError, psycopg.Error, redis.RedisError):
        traceback.print_exc()
        print("bench: the harness broke", file=sys.stderr)
        return 2
    set_ratios(results)
    targets = evaluate(results, replies, mode) if parts == set(PARTS) else []
    report["seconds"] = round(time.monotonic() - started, 1)
    out = Path(args.out or f"bench-results/{'quick' if args.quick else 'latest'}.json")
    if write(report, out, results, replies, targets):
        print("bench: some measurements had errors", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
