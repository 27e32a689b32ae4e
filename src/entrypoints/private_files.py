"""Files only the user running the service may read: the data folder and
the development secret kept in it."""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def private_dir(path: Path) -> None:
    """Make ``path`` (and missing parents) with mode 0700; an existing folder
    of this user's that others can read is narrowed to 0700 (one of another
    user's, such as /tmp, is left alone)."""
    path.mkdir(mode=PRIVATE_DIR_MODE, parents=True, exist_ok=True)
    _narrow(path, PRIVATE_DIR_MODE)


def keep_secret(path: Path, *, minimum_length: int) -> str:
    """The secret kept at ``path``, made (random, mode 0600 from its first
    byte) when there is none or it is shorter than ``minimum_length``.

    It is written to a private temporary file and then linked into place, so
    no one else can ever read it, nobody reads half a secret, and of two
    processes starting at once one secret wins and both use it.
    """
    private_dir(path.parent)
    existing = _read(path, minimum_length)
    if existing is not None:
        return existing
    secret = secrets.token_urlsafe(48)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secret)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            existing = _read(path, minimum_length)
            if existing is not None:
                return existing  # another process made it first
            os.replace(temporary, path)  # an old secret that is too short
    finally:
        temporary.unlink(missing_ok=True)
    return secret


def _read(path: Path, minimum_length: int) -> str | None:
    try:
        secret = path.read_text().strip()
    except FileNotFoundError:
        return None
    _narrow(path, PRIVATE_FILE_MODE)
    return secret if len(secret) >= minimum_length else None


def _narrow(path: Path, mode: int) -> None:
    info = path.stat()
    if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
        path.chmod(mode)
