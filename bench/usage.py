"""CPU and memory of the measured processes, from their own accounting in
``/proc`` (Linux): a process tree's CPU time (``utime + stime`` of every
process, plus ``cutime + cstime``, what its reaped children spent) before
and after a measurement, and each process's resident memory (``VmRSS``) at
the end of it.

A tree is a process started by the harness and all its descendants: for
``gemini-clone serve --workers N`` (N > 1) and ``worker --processes N``
(N > 1) the supervisor parent, its N children and multiprocessing's
resource tracker. Its CPU is the whole tree's; its memory is given per
*serving* process: the children (without the resource tracker), or the
process itself when it has none (``worker --processes 1`` runs in one
process, no parent).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
HELPERS = (b"multiprocessing.resource_tracker", b"multiprocessing.forkserver")


def _stat(pid: int) -> tuple[int, int] | None:
    """(parent pid, CPU ticks of the process and its reaped children);
    None when the process is gone."""
    try:
        raw = (PROC / str(pid) / "stat").read_bytes()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold anything.
    fields = raw[raw.rindex(b")") + 2 :].split()
    # After it: state, ppid, ... utime (14), stime, cutime, cstime (17).
    return int(fields[1]), sum(int(value) for value in fields[11:15])


def _rss_kb(pid: int) -> int | None:
    try:
        lines = (PROC / str(pid) / "status").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return None  # a zombie has no memory


def _is_helper(pid: int) -> bool:
    try:
        return any(name in (PROC / str(pid) / "cmdline").read_bytes() for name in HELPERS)
    except OSError:
        return True


def descendants(root: int) -> list[int]:
    """``root`` and every live descendant (from each process's parent pid)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            children.setdefault(stat[0], []).append(int(entry.name))
    found, queue = [], [root]
    while queue:
        pid = queue.pop()
        found.append(pid)
        queue += children.get(pid, [])
    return found


@dataclass(frozen=True)
class Snapshot:
    ticks: int  # CPU of the whole tree so far, clock ticks
    rss_mb: tuple[float, ...]  # resident memory of each serving process, MB


@dataclass(frozen=True)
class Usage:
    """What a tree spent between two snapshots, and its memory at the end."""

    cpu_ms: float
    rss_mb: tuple[float, ...]

    def per(self, count: int) -> float | None:
        """CPU milliseconds per request or reply (None without any)."""
        return self.cpu_ms / count if count else None


class ProcessTree:
    """A measured process and its descendants."""

    def __init__(self, name: str, pid: int) -> None:
        self.name = name
        self.pid = pid

    def snapshot(self) -> Snapshot:
        pids = descendants(self.pid)
        ticks = sum(stat[1] for pid in pids if (stat := _stat(pid)) is not None)
        serving = [pid for pid in pids[1:] if not _is_helper(pid)] or pids[:1]
        rss = (_rss_kb(pid) for pid in sorted(serving))
        return Snapshot(ticks, tuple(kb / 1024 for kb in rss if kb is not None))

    def since(self, before: Snapshot) -> Usage:
        """CPU since ``before`` (reaped children included: their time moves
        to their parent's ``cutime``), memory now."""
        after = self.snapshot()
        return Usage((after.ticks - before.ticks) * 1000 / CLOCK_TICKS, after.rss_mb)
