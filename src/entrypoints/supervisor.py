"""A parent process that keeps N children running: `serve --workers N` and
`worker --processes N` both use it.

A child that dies is started again, after a pause that doubles with each
quick death (up to ``max_backoff``), so a crash loop neither spins nor gives
up. A child that dies within ``startup_seconds`` of the very first start
means the program cannot start at all (a bad setting, a port in use) when
``fail_fast`` is set and it exited by itself (not killed by a signal):
then every child is stopped and the exit status is 1.
SIGTERM or SIGINT stops every child with SIGTERM (each finishes its work in
flight) and waits for them. ``on_exit`` is told the pid of every child
that ended (the multiprocess metrics forget its live gauges).
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import Any

logger = logging.getLogger("gemini_clone.supervisor")


@dataclass
class _Slot:
    process: BaseProcess
    started_at: float
    restarts: int = 0
    due_at: float | None = None  # when a dead child's replacement starts


class Supervisor:
    def __init__(
        self,
        target: Callable[..., Any],
        args: tuple[Any, ...],
        *,
        count: int,
        name: str,
        fail_fast: bool,
        startup_seconds: float = 30.0,
        max_backoff: float = 30.0,
        on_exit: Callable[[int], None] | None = None,
    ) -> None:
        self._context = multiprocessing.get_context("spawn")
        self._target = target
        self._args = args
        self._count = count
        self._name = name
        self._fail_fast = fail_fast
        self._startup_seconds = startup_seconds
        self._max_backoff = max_backoff
        self._on_exit = on_exit
        self._stopping = threading.Event()
        self._first_start = 0.0

    def run(self) -> int:
        """Run until a signal (0) or a start-up failure with ``fail_fast`` (1)."""
        previous = {
            signum: signal.signal(signum, lambda _signum, _frame: self._stopping.set())
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        self._first_start = time.monotonic()
        slots = [_Slot(self._spawn(index), time.monotonic()) for index in range(self._count)]
        status = 0
        try:
            while not self._stopping.wait(0.5):
                if not all(self._tend(index, slot) for index, slot in enumerate(slots)):
                    status = 1
                    break
        finally:
            self._stop_all(slots)
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        return status

    def _spawn(self, index: int) -> BaseProcess:
        child = self._context.Process(
            target=self._target, args=self._args, name=f"{self._name}-{index}"
        )
        child.start()
        return child

    def _tend(self, index: int, slot: _Slot) -> bool:
        """Restart the slot's child when it is dead and its pause is over;
        False when the program evidently cannot start."""
        now = time.monotonic()
        if slot.due_at is None:
            if slot.process.is_alive():
                return True
            lived = now - slot.started_at
            self._ended(slot.process)
            # Exiting on its own early means it cannot start; killed by a
            # signal (a negative exit code) is a crash to recover from.
            exited = (slot.process.exitcode or 0) >= 0
            if self._fail_fast and exited and now - self._first_start < self._startup_seconds:
                logger.error(
                    "%s process exited (%s) as it started", self._name, slot.process.exitcode
                )
                return False
            slot.restarts = 0 if lived > self._startup_seconds else slot.restarts + 1
            pause = min(self._max_backoff, 0.5 * 2**slot.restarts) if slot.restarts else 0.0
            logger.warning(
                "%s process %s exited (%s); starting another in %.1f s",
                self._name,
                slot.process.pid,
                slot.process.exitcode,
                pause,
            )
            slot.due_at = now + pause
        if now >= slot.due_at:
            slot.process, slot.started_at, slot.due_at = self._spawn(index), now, None
        return True

    def _stop_all(self, slots: list[_Slot]) -> None:
        for slot in slots:
            if slot.process.is_alive():
                slot.process.terminate()  # SIGTERM: each finishes its work in flight
        for slot in slots:
            slot.process.join()
            if slot.due_at is None:  # a dead one awaiting its restart was told already
                self._ended(slot.process)

    def _ended(self, process: BaseProcess) -> None:
        if self._on_exit is None or process.pid is None:
            return
        try:
            self._on_exit(process.pid)
        except Exception:
            logger.exception("could not clean up after %s process %s", self._name, process.pid)
