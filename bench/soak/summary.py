"""The soak's closing table: what was sent, what was injected, how the
replies ended, how long recovery took, and the verdict."""

from __future__ import annotations

from bench.soak.checks import Verdict
from bench.soak.faults import FaultLog
from bench.soak.load import Tally


def _line(label: str, value: object) -> None:
    print(f"  {label:<46} {value}")


def print_summary(mode: str, took: float, tally: Tally, faults: FaultLog, verdict: Verdict) -> None:
    prompts = sum(n for (kind, _), n in tally.statuses.items() if kind == "prompt")
    print()
    print(f"soak ({mode}) summary, {took:.0f} s in all")
    _line("users", f"{tally.users_started} started, {tally.users_unable} unable to log in")
    _line("prompts sent", prompts)
    _line("  accepted (202)", tally.count("prompt", 202))
    _line("  refused: quota used (429)", tally.count("prompt", 429))
    _line("  refused: unavailable (503)", tally.count("prompt", 503))
    others = {
        f"{kind} {status}": n
        for (kind, status), n in sorted(tally.statuses.items())
        if status not in (200, 201, 202, 429, 503)
    }
    _line("other answers", others or "none")
    _line("503 answers, all requests", sum(n for (_, s), n in tally.statuses.items() if s == 503))
    _line("5xx other than 503", sum(tally.server_errors().values()))
    _line("requests with no answer", len(tally.unanswered))
    counts = faults.counts()
    kinds = ", ".join(f"{kind} {n}" for kind, n in counts.items())
    _line("faults injected", f"{sum(counts.values())}: {kinds}")
    for label, value in verdict.figures.items():
        _line(label, value)
    slowest = faults.slowest()
    _line(
        "max time to recover",
        "-" if slowest is None else f"{slowest.recovered_after:.1f} s (after {slowest.kind})",
    )
    print()
    if verdict.losses:
        print("FAILED:")
        for loss in verdict.losses:
            print(f"  - {loss}")
    else:
        print("PASSED: every accepted prompt has exactly one final reply, none is pending,")
        print("no user was charged more than the quota, and nothing answered 500.")
