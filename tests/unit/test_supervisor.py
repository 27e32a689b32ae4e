"""The process supervisor: restart what crashes, stop when the program
evidently cannot start."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from entrypoints.supervisor import Supervisor


def exit_with(code: int) -> None:
    sys.exit(code)


def count_start_then_die(marker: str) -> None:
    """Append a line per start; the first two starts crash (SIGKILL themselves)."""
    with open(marker, "a") as f:
        f.write("start\n")
    if Path(marker).read_text().count("start") <= 2:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(60)


def test_a_child_that_exits_as_it_starts_stops_everything_with_status_1() -> None:
    supervisor = Supervisor(exit_with, (3,), count=2, name="t", fail_fast=True)
    started = time.monotonic()
    assert supervisor.run() == 1
    assert time.monotonic() - started < 20


def test_a_crashing_child_is_restarted_with_backoff_until_it_stays_up(tmp_path: Path) -> None:
    marker = tmp_path / "starts"
    supervisor = Supervisor(count_start_then_die, (str(marker),), count=1, name="t", fail_fast=True)

    # Signal handlers can only be set in the main thread: the supervisor runs
    # here, and a thread stops it with SIGTERM once the third start is seen.
    def stop_when_up() -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if marker.exists() and marker.read_text().count("start") >= 3:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_when_up)
    stopper.start()
    status = supervisor.run()
    stopper.join()
    assert status == 0
    assert marker.read_text().count("start") == 3  # two crashes, restarted twice
