"""Who may follow the log for a projection: one active runner per projection and store.

PostgreSQL: a session advisory lock held on a connection of its own. When the holder dies its
connection closes and the lock goes with it, so a standby takes over within its retry interval;
TCP keepalives and a TCP user timeout bound that also for a holder whose machine vanished or
fell off the network. The same connection LISTENs to the event store's channel, so the holder
wakes up as soon as events are committed.

SQLite: an exclusive flock on a file beside the database, which the kernel releases when the
process dies.

The lease is for efficiency, not correctness: every batch commits by compare-and-set on the
tracking row, so even two appliers at once could not apply an event twice.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from pathlib import Path
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder

from eventstore.connections import (
    connect_beside_pool,
    is_postgres,
    listen_for_saves,
    sqlite_db_name,
)
from projections.db import advisory_key

log = logging.getLogger(__name__)

# How often a PostgreSQL lease asks its connection whether it is alive. Asked before every
# batch, it was a round trip per view for every save. A batch commits by compare-and-set
# whatever became of the lease (above), a dead connection fails the wait for events too, and
# TCP keepalives and the user timeout close a silent one: asking once a second is enough.
LEASE_CHECK_INTERVAL_S = 1.0


class LeaseLost(RuntimeError):
    """The lease (or its connection) is gone: stop applying and try to acquire it again."""


class Lease(Protocol):
    # Whether every commit of events wakes `wait_for_events` (so a follower need not poll).
    announces_commits: bool

    def try_acquire(self) -> bool: ...

    def check(self) -> None:
        """Raises LeaseLost when the lease is no longer held."""
        ...

    def wait_for_events(self, timeout: float) -> bool:
        """Sleeps up to `timeout` seconds; True if woken by news of committed events."""
        ...

    def release(self) -> None: ...


def acquire(lease: Lease, stop: threading.Event, retry_s: float) -> bool:
    """Waits for the lease until `stop` is set; True once held."""
    while not stop.is_set():
        try:
            if lease.try_acquire():
                return True
        except Exception:  # the database may be down or restarting: keep trying
            log.warning("could not try the projection lease; retrying", exc_info=True)
        stop.wait(retry_s)
    return False


class PostgresLease:
    def __init__(
        self, recorder: ApplicationRecorder, key_parts: tuple[str, ...], *, listen: bool = True
    ):
        # With `listen`, the library's insert NOTIFYs and this connection LISTENs; a follower
        # of several projections listens on a connection of its own (projections.news), and
        # news no one reads must not pile up on the lease's.
        self.announces_commits = listen
        self._recorder = recorder
        self._key = advisory_key("projection-lease", *key_parts)
        self._conn: Any = None
        self._held = False
        self._confirmed_at: float | None = None  # monotonic; when the connection last answered

    def try_acquire(self) -> bool:
        if self._conn is None:
            # Its session lets go of a vanished peer within seconds (as every connection of
            # the store does): a runner whose host fell off the network loses its lease.
            self._conn = connect_beside_pool(self._recorder, autocommit=True, connect_timeout=5)
        try:
            row = self._conn.execute(
                "SELECT pg_try_advisory_lock(%s::bigint) AS held", (self._key,)
            ).fetchone()
        except Exception:
            self.release()
            raise
        held = bool(row["held"] if isinstance(row, dict) else row[0])
        self._held = held
        if held and self.announces_commits:
            listen_for_saves(self._conn, self._recorder)
            self._confirmed_at = time.monotonic()
        return held

    def check(self) -> None:
        if self._conn is None:
            raise LeaseLost("no lease connection")
        confirmed = self._confirmed_at
        if confirmed is not None and time.monotonic() - confirmed < LEASE_CHECK_INTERVAL_S:
            return
        try:
            self._conn.execute("SELECT 1")
        except Exception as exc:
            self.release()
            raise LeaseLost(f"the lease connection failed: {exc}") from exc
        self._confirmed_at = time.monotonic()

    def wait_for_events(self, timeout: float) -> bool:
        if self._conn is None:
            raise LeaseLost("no lease connection")
        if not self.announces_commits:
            time.sleep(timeout)
            return False
        try:
            return wait_for_notifies(self._conn, timeout)
        except Exception as exc:
            self.release()
            raise LeaseLost(f"the lease connection failed: {exc}") from exc

    def release(self) -> None:
        conn, self._conn = self._conn, None
        held, self._held = self._held, False
        self._confirmed_at = None
        if conn is not None:
            with contextlib.suppress(Exception):
                # Closing alone frees the lock only once the server has ended the session, a
                # moment later: the next holder must not be refused meanwhile.
                if held:
                    conn.execute("SELECT pg_advisory_unlock(%s::bigint)", (self._key,))
                conn.close()


def wait_for_notifies(connection: Any, timeout: float) -> bool:
    """Waits up to `timeout` for news on a LISTENing connection; True if some came."""
    woken = any(True for _ in connection.notifies(timeout=timeout, stop_after=1))
    if woken:
        # The one read that follows covers every commit announced so far: news of each would
        # otherwise wake the follower once more, to find nothing new.
        for _ in connection.notifies(timeout=0.0):
            pass
    return woken


class FileLease:
    announces_commits = False

    def __init__(self, path: Path):
        self._path = path
        self._fd: int | None = None

    def try_acquire(self) -> bool:
        # Beside the store, as private as it is (owner only).
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def check(self) -> None:
        if self._fd is None:
            raise LeaseLost("the lock file is not held")

    def wait_for_events(self, timeout: float) -> bool:
        time.sleep(timeout)
        return False

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases the flock


class ProcessLease:
    """For an in-memory SQLite database, which only this process can reach anyway."""

    announces_commits = False
    _held: set[tuple[str, ...]] = set()
    _guard = threading.Lock()

    def __init__(self, key_parts: tuple[str, ...]):
        self._key = key_parts
        self._holding = False

    def try_acquire(self) -> bool:
        with self._guard:
            if self._key in self._held:
                return False
            self._held.add(self._key)
            self._holding = True
            return True

    def check(self) -> None:
        if not self._holding:
            raise LeaseLost("not held")

    def wait_for_events(self, timeout: float) -> bool:
        time.sleep(timeout)
        return False

    def release(self) -> None:
        with self._guard:
            if self._holding:
                self._held.discard(self._key)
                self._holding = False


def lease_for(
    recorder: ApplicationRecorder, schema: str, name: str, *, listen: bool = True
) -> Lease:
    """The lease guarding `name` on this recorder's database (on PostgreSQL, with `listen`,
    its connection also brings news of saves: `Lease.wait_for_events`)."""
    if is_postgres(recorder):
        return PostgresLease(recorder, (schema, name), listen=listen)
    db_name = sqlite_db_name(recorder) or ""
    if not db_name or ":memory:" in db_name or "mode=memory" in db_name:
        return ProcessLease((db_name, name))
    path = Path(db_name.removeprefix("file:").split("?", 1)[0])
    return FileLease(path.with_name(f"{path.name}.{name}.lease"))
