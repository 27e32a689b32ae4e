"""``python -m bench.soak [--quick]``: the soak (see ``bench/soak/__init__.py``).

Exit status: 0 when nothing was lost; 1 when a check failed (a lost or
stuck reply, a user over quota, a 5xx other than 503, a request with no
answer, a fault the deployment did not recover from, a process that
died); 2 when the harness itself broke.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from types import FrameType

from bench.common import HarnessError
from bench.soak.checks import Verdict, drain, judge, log_counts, read_messages
from bench.soak.faults import FaultLog, inject
from bench.soak.load import LoadPlan, Tally, drive
from bench.soak.stack import API_PROCESSES, WORKER_PROCESSES, SoakStack, running_soak_stack
from bench.soak.summary import print_summary


@dataclass(frozen=True)
class Mode:
    name: str
    seconds: float  # of load, faults included
    users: int
    fault_every: float
    drain: float  # seconds the replies may take to end after the load


QUICK = Mode("quick", 45.0, 50, 8.0, 90.0)
FULL = Mode("full", 240.0, 150, 15.0, 180.0)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    summary = __doc__.split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=summary)
    parser.add_argument("--quick", action="store_true", help="about 90 s in all (CI)")
    parser.add_argument("--seconds", type=float, help="seconds of load (quick 45, full 240)")
    parser.add_argument("--users", type=int, help="users (quick 50, full 150)")
    parser.add_argument("--fault-every", type=float, help="seconds between faults (8, full 15)")
    parser.add_argument("--latency", type=float, default=1.0, help="the stand-in's latency, s")
    return parser.parse_args(argv)


def mode_of(args: argparse.Namespace) -> Mode:
    base = QUICK if args.quick else FULL
    return Mode(
        base.name,
        args.seconds or base.seconds,
        args.users or base.users,
        args.fault_every or base.fault_every,
        base.drain,
    )


async def soak(stack: SoakStack, mode: Mode) -> tuple[Tally, FaultLog, float | None]:
    tally, faults = Tally(), FaultLog()
    plan = LoadPlan(users=mode.users, seconds=mode.seconds, prompts_per_user=8)
    await asyncio.gather(
        drive(stack.apis, plan, tally), inject(stack, mode.seconds, mode.fault_every, faults)
    )
    print(f"load over; waiting up to {mode.drain:g} s for the last replies", flush=True)
    drained = await drain(stack.database_url, mode.drain)
    return tally, faults, drained


def check(stack: SoakStack, tally: Tally, faults: FaultLog, drained: float | None) -> Verdict:
    limit = int(stack.settings["BASIC_DAILY_LIMIT"])
    verdict = judge(read_messages(stack.database_url), tally, limit)
    if drained is None:
        verdict.losses.append("replies still pending when the drain timed out")
    for fault in faults.unrecovered():
        verdict.losses.append(f"no recovery from {fault.kind} at {fault.at:.0f} s")
    dead = [p.args[0] for p in stack.api_processes if p.process.poll() is not None]
    if stack.worker.process.poll() is not None:
        dead.append("worker")
    if dead:
        verdict.losses.append(f"processes that exited: {', '.join(dead)}")
    verdict.figures |= log_counts(stack.worker.output())
    verdict.figures["drain (s)"] = "-" if drained is None else f"{drained:.1f}"
    return verdict


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    mode = mode_of(args)

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")  # unwinds the stack: everything stops

    signal.signal(signal.SIGTERM, stop)
    print(
        f"soak ({mode.name}): {mode.seconds:g} s of load from {mode.users} users on "
        f"{API_PROCESSES} API and {WORKER_PROCESSES} worker processes, a fault every "
        f"{mode.fault_every:g} s",
        flush=True,
    )
    started = time.monotonic()
    try:
        with running_soak_stack(quick=args.quick, latency=args.latency) as stack:
            print(f"settings changed: {stack.settings}", flush=True)
            tally, faults, drained = asyncio.run(soak(stack, mode))
            verdict = check(stack, tally, faults, drained)
    except HarnessError as exc:
        print(f"the soak harness broke: {exc}", file=sys.stderr)
        return 2
    except Exception:
        traceback.print_exc()
        return 2
    print_summary(mode.name, time.monotonic() - started, tally, faults, verdict)
    return 1 if verdict.losses else 0


if __name__ == "__main__":
    sys.exit(main())
