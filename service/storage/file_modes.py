"""The embedded store is readable by its owner only: the events (bids, people's ids), the
ledger key and the demo tokens live in `var/`. The directory is 0700 and the SQLite file with
its journal, WAL and shared-memory files 0600; SQLite gives the WAL and shared-memory files it
creates later the mode of the database file."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SQLITE_COMPANIONS = ("", "-wal", "-shm", "-journal")


def private_directory(path: Path) -> None:
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    os.chmod(path, PRIVATE_DIR)


def private_sqlite_file(path: Path) -> None:
    """Creates the database file 0600 before SQLite opens it, and narrows what exists."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE_FILE)
    os.close(fd)
    for suffix in SQLITE_COMPANIONS:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(f"{path}{suffix}", PRIVATE_FILE)
