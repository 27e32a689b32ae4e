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

from bench.common import (
    DETAIL_MESSAGES,
    MANY_ROOMS,
    SMALL_ROOMS,
    Mode,
    ReplyResult,
    Result,
    show_mb,
)

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


def _target(target: str, value: str, met: bool | None) -> Target:
    """One line of the targets table; ``met`` None: a figure shown, no threshold."""
    return {"target": target, "value": value, "met": met}


def _growth(target: str, small: Result, large: Result) -> Target:
    """p50 at the large size within 1.5 x p50 at the small one."""
    return _target(
        target,
        f"{large.p50_ms:.2f} / {small.p50_ms:.2f} ms = {large.p50_ms / small.p50_ms:.2f}x",
        large.p50_ms <= 1.5 * small.p50_ms,
    )


def _share(target: str, rows: list[Result], ceiling: float, share: float) -> Target:
    """The lowest of ``rows``' throughputs at least ``share`` of the ceiling."""
    low = min(rows, key=lambda r: r.rps)
    where = f" ({low.name.rsplit(', ', 1)[1]})" if len(rows) > 1 else ""
    return _target(target, f"{low.rps / ceiling:.0%}{where}", low.rps / ceiling >= share)


def share_targets(results: list[Result]) -> list[Target]:
    """Throughputs as shares of the ceiling."""
    named = {r.name: r for r in results}
    ceiling = next(r for r in results if r.group == "ceiling").rps
    post = named["POST /chatroom/{id}/message (Pro)"]
    detail = f"GET /chatroom/{{id}} ({DETAIL_MESSAGES} messages)"
    targets = [
        _share(
            "cached GET /chatroom >= 60 % of the ceiling",
            [named["GET /chatroom (cache hit)"]],
            ceiling,
            0.60,
        ),
        _target(
            "POST /chatroom/{id}/message (Pro) >= 25 % of the ceiling, no errors",
            f"{post.rps / ceiling:.0%}, {post.errors} errors",
            post.rps / ceiling >= 0.25 and post.errors == 0,
        ),
        _share(f"{detail} >= 25 % of the ceiling", [named[detail]], ceiling, 0.25),
    ]
    for kind in ("newest", "oldest"):
        rows = [r for r in results if r.group.startswith(f"growth:{kind}:")]
        name = f"GET .../messages {kind} page >= 25 % of the ceiling, every size (lowest)"
        targets.append(_share(name, rows, ceiling, 0.25))
    return targets


def growth_targets(results: list[Result], mode: Mode) -> list[Target]:
    """Reads flat in the data's size."""
    by_group = {r.group: r for r in results}
    targets = []
    small, large = min(mode.message_sizes), max(mode.message_sizes)
    for kind in ("room", "newest", "oldest"):
        a, b = by_group[f"growth:{kind}:{small}"], by_group[f"growth:{kind}:{large}"]
        name = f"{b.name.split(',')[0]}: p50 at {large:,} <= 1.5 x p50 at {small:,} messages"
        targets.append(_growth(name, a, b))
    for kind in ("rooms-hit", "rooms-miss"):
        a, b = by_group[f"growth:{kind}:{SMALL_ROOMS}"], by_group[f"growth:{kind}:{MANY_ROOMS}"]
        name = (
            f"GET /chatroom ({kind.split('-')[1]}): p50 at {MANY_ROOMS:,} rooms <= 1.5 x at "
            f"{SMALL_ROOMS}"
        )
        targets.append(_growth(name, a, b))
    return targets


def reply_targets(replies: list[ReplyResult]) -> list[Target]:
    """The workers' throughput, its scaling over processes, the overhead."""
    base = replies[0].worker_processes
    top_k = max(r.in_flight for r in replies)
    top = next(r for r in replies if r.in_flight == top_k and r.worker_processes == base)
    targets = [
        _target(
            f"replies/s, {top.label} >= 50 % of ideal ({top.ideal_per_s:.0f}/s)",
            f"{top.replies_per_s:.0f}/s = {top.of_ideal:.0%}",
            top.of_ideal >= 0.50,
        )
    ]
    for other in replies:
        if other.in_flight == top_k and other.worker_processes != base:
            targets.append(
                _target(
                    f"replies/s, {other.label} vs {base}",
                    f"{other.replies_per_s:.0f} / {top.replies_per_s:.0f}/s = "
                    f"{other.replies_per_s / top.replies_per_s:.2f}x",
                    None,
                )
            )
    targets += [
        _target(
            f"pipeline overhead p50, {reply.label} < 20 ms",
            f"{reply.overhead_p50_ms:.1f} ms",
            reply.overhead_p50_ms < 20,
        )
        for reply in replies
        if reply.in_flight == 10 and reply.worker_processes == base
    ]
    return targets


def usage_targets(results: list[Result], replies: list[ReplyResult]) -> list[Target]:
    """CPU per prompt and per reply, resident memory per process, from /proc."""
    post = next(r for r in results if r.name == "POST /chatroom/{id}/message (Pro)")
    base = replies[0].worker_processes
    top_k = max(r.in_flight for r in replies)
    tops = [r for r in replies if r.in_flight == top_k]
    top = next(r for r in tops if r.worker_processes == base)
    cpu_prompt, cpu_reply = post.cpu_ms_per_request, top.cpu_ms_per_reply
    return [
        _target(
            "API CPU per prompt (POST /chatroom/{id}/message) <= 1.5 ms",
            f"{cpu_prompt:.2f} ms" if cpu_prompt is not None else "not measured",
            cpu_prompt is not None and cpu_prompt <= 1.5,
        ),
        _target(
            f"worker CPU per reply, {top.label} <= 3 ms",
            f"{cpu_reply:.2f} ms" if cpu_reply is not None else "not measured",
            cpu_reply is not None and cpu_reply <= 3.0,
        ),
        _target(
            "RSS per API process <= 150 MB (at the end of the POST measurement)",
            f"{show_mb(post.rss_mb)} MB",
            bool(post.rss_mb) and max(post.rss_mb) <= 150,
        ),
        _target(
            f"RSS per worker process <= 150 MB (at the end of {top_k} in flight)",
            "; ".join(f"{r.worker_processes} proc.: {show_mb(r.rss_mb)} MB" for r in tops),
            all(r.rss_mb and max(r.rss_mb) <= 150 for r in tops),
        ),
    ]


def evaluate(results: list[Result], replies: list[ReplyResult], mode: Mode) -> list[Target]:
    """Every target, met or not (the run must have measured every part)."""
    return (
        share_targets(results)
        + growth_targets(results, mode)
        + reply_targets(replies)
        + usage_targets(results, replies)
    )


def set_ratios(results: list[Result]) -> None:
    """Each throughput as a share of the ceiling measured in the same run."""
    ceiling = next((r for r in results if r.group == "ceiling"), None)
    if ceiling is not None:
        for r in results:
            # Sequential single-connection figures are latencies, not throughput.
            r.ratio = None if r.note else r.rps / ceiling.rps


def _ms(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else ""


def table(results: list[Result], replies: list[ReplyResult], targets: list[Target]) -> str:
    lines = [
        "| measurement | req/s | p50 ms | p99 ms | errors | of ceiling | CPU ms/req | RSS MB |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        ratio = f"{r.ratio:.0%}" if r.ratio is not None else ""
        lines.append(
            f"| {r.name} | {r.rps:,.0f} | {r.p50_ms:.2f} | {r.p99_ms:.2f} | {r.errors} | {ratio} "
            f"| {_ms(r.cpu_ms_per_request)} | {show_mb(r.rss_mb)} |"
        )
    lines += [
        "",
        "| replies | replies/s | of ideal | overhead p50 ms | overhead p99 ms | errors "
        "| worker CPU ms/reply | worker RSS MB | API CPU ms/prompt |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in replies:
        lines.append(
            f"| {p.label} | {p.replies_per_s:,.1f} | {p.of_ideal:.0%} of {p.ideal_per_s:.0f} "
            f"| {p.overhead_p50_ms:.1f} | {p.overhead_p99_ms:.1f} | {p.errors} "
            f"| {_ms(p.cpu_ms_per_reply)} | {show_mb(p.rss_mb)} | {_ms(p.api_cpu_ms_per_prompt)} |"
        )
    lines += ["", "| target | value | met |", "| --- | --- | --- |"]
    shown = {True: "yes", False: "**no**", None: "(no threshold)"}
    for t in targets:
        lines.append(f"| {t['target']} | {t['value']} | {shown[t['met']]} |")
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
