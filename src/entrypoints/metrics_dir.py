"""The directory the processes of one command share their metrics through.

``serve --workers N`` and ``worker --processes N`` start N processes that
each count on their own; ``prometheus_client``'s multiprocess mode has each
write its values to files in ``PROMETHEUS_MULTIPROC_DIR`` and sums them
when scraped. The parent calls ``shared_metrics_dir`` before it starts any
child (and before anything imports ``prometheus_client``): when the
variable is unset it makes a fresh temporary directory, passed to the
children in their environment and removed at the end. A directory the
operator set is used as it is: give each command an empty one of its own.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator

VARIABLE = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def shared_metrics_dir() -> Iterator[Callable[[int], None]]:
    """Set up the directory; yields what to call with a child's pid when
    it exits (its live gauges, such as open event streams, are dropped)."""
    made = None
    if not os.environ.get(VARIABLE):
        made = tempfile.mkdtemp(prefix="gemini-clone-metrics-")
        os.environ[VARIABLE] = made
    path = os.environ[VARIABLE]
    os.makedirs(path, exist_ok=True)

    def child_exited(pid: int) -> None:
        from prometheus_client.multiprocess import mark_process_dead

        mark_process_dead(pid, path)  # type: ignore[no-untyped-call]

    try:
        yield child_exited
    finally:
        if made is not None:
            os.environ.pop(VARIABLE, None)
            shutil.rmtree(made, ignore_errors=True)
