"""What a run reports: the machine, the targets met or not, the table and
the JSON file."""

# psql and redis-server are asked their versions on fixed argument lists.
# ruff: noqa: S603

from __future__ import annotations

import contextlib
import json
import os
import platform
import subprocess
from dataclasses import asdict
from pathlib import Path
from typing import Any

from bench.common import MANY_ROOMS, SMALL_ROOMS, Mode, ReplyResult, Result

Target = dict[str, Any]  # {"target": ..., "value": ..., "met": ...}


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


def _target(target: str, value: str, met: bool) -> Target:
    return {"target": target, "value": value, "met": met}


def _growth(target: str, small: Result, large: Result) -> Target:
    """p50 at the large size within 1.5 x p50 at the small one."""
    return _target(
        target,
        f"{large.p50_ms:.2f} / {small.p50_ms:.2f} ms = {large.p50_ms / small.p50_ms:.2f}x",
        large.p50_ms <= 1.5 * small.p50_ms,
    )


def api_targets(results: list[Result], mode: Mode) -> list[Target]:
    by_group: dict[str, Result] = {}
    for result in results:
        by_group.setdefault(result.group, result)
    named = {r.name: r for r in results}
    ceiling = by_group["ceiling"].rps
    hit = named["GET /chatroom (cache hit)"]
    post = named["POST /chatroom/{id}/message (Pro)"]
    targets = [
        _target(
            "cached GET /chatroom >= 60 % of the ceiling",
            f"{hit.rps / ceiling:.0%}",
            hit.rps / ceiling >= 0.60,
        ),
        _target(
            "POST /chatroom/{id}/message >= 25 % of the ceiling, no errors",
            f"{post.rps / ceiling:.0%}, {post.errors} errors",
            post.rps / ceiling >= 0.25 and post.errors == 0,
        ),
    ]
    small, large = min(mode.message_sizes), max(mode.message_sizes)
    for kind in ("room", "newest", "oldest"):
        a, b = by_group[f"growth:{kind}:{small}"], by_group[f"growth:{kind}:{large}"]
        name = f"{b.name.split(',')[0]}: p50 at {large:,} <= 1.5 x p50 at {small:,}"
        targets.append(_growth(name, a, b))
    for kind in ("rooms-hit", "rooms-miss"):
        a, b = by_group[f"growth:{kind}:{SMALL_ROOMS}"], by_group[f"growth:{kind}:{MANY_ROOMS}"]
        name = (
            f"GET /chatroom ({kind.split('-')[1]}): p50 at {MANY_ROOMS:,} rooms <= 1.5 x at "
            f"{SMALL_ROOMS}"
        )
        targets.append(_growth(name, a, b))
    return targets


def reply_targets(replies: list[ReplyResult], latency: float) -> list[Target]:
    top = max(replies, key=lambda r: r.in_flight)
    ideal = top.ideal_per_s
    targets = [
        _target(
            f"workers: {top.in_flight} in flight >= 80 % of ideal ({ideal:.0f} replies/s)",
            f"{top.replies_per_s:.0f}/s = {top.replies_per_s / ideal:.0%}",
            top.replies_per_s >= 0.8 * ideal,
        )
    ]
    targets += [
        _target(
            f"pipeline overhead p50 < 10 % of model latency, {reply.in_flight} in flight",
            f"{reply.overhead_p50_ms:.1f} ms",
            reply.overhead_p50_ms < 0.1 * latency * 1000,
        )
        for reply in replies
    ]
    return targets


def evaluate(
    results: list[Result], replies: list[ReplyResult], mode: Mode, latency: float
) -> list[Target]:
    """Every target, met or not (the run must have measured every part)."""
    return api_targets(results, mode) + reply_targets(replies, latency)


def set_ratios(results: list[Result]) -> None:
    """Each throughput as a share of the ceiling measured in the same run."""
    ceiling = next((r for r in results if r.group == "ceiling"), None)
    if ceiling is not None:
        for r in results:
            # Sequential single-connection figures are latencies, not throughput.
            r.ratio = None if r.note else r.rps / ceiling.rps


def table(results: list[Result], replies: list[ReplyResult], targets: list[Target]) -> str:
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


def write(
    report: dict[str, Any],
    out: Path,
    results: list[Result],
    replies: list[ReplyResult],
    targets: list[Target],
) -> int:
    """Complete the report, write it to ``out`` and print the table; the errors."""
    errors = sum(r.errors for r in results) + sum(p.errors for p in replies)
    report.update(
        results=[asdict(r) for r in results],
        replies=[asdict(p) for p in replies],
        targets=targets,
        errors=errors,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print()
    print(
        f"{report['machine']['cpu']}, {report['machine']['cores']} cores; "
        f"{report['config']['load_generator']}"
    )
    print(table(results, replies, targets))
    print(f"\nwritten to {out} in {report['seconds']} s; errors: {errors}")
    return errors
