"""Time-ordered identifiers (UUID version 7, RFC 9562).

Ids sort by creation time, so a message's id doubles as its position in a
chatroom and as a stable pagination cursor, in PostgreSQL and SQLite alike.
"""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
# Last (millisecond, counter) handed out by this process: within one
# millisecond the 12-bit counter keeps ids strictly increasing, so a prompt
# and its reply created back to back always sort in that order.
_last: list[int] = [0, 0]


def new_id() -> uuid.UUID:
    """Return a new UUIDv7, strictly greater than the previous one of this process."""
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms <= _last[0]:
            ms = _last[0]
            counter = _last[1] + 1
            if counter > 0xFFF:
                ms += 1
                counter = 0
        else:
            counter = int.from_bytes(os.urandom(2), "big") & 0x7FF
        _last[0], _last[1] = ms, counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= counter << 64
    value |= 0b10 << 62
    value |= rand_b
    return uuid.UUID(int=value)
