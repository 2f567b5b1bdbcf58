"""News of saves for a follower of the log that holds several leases (projections.group).

PostgreSQL announces every commit of events (the library's insert NOTIFYs on the store's
channel): one connection of the follower's own LISTENs, however many projections it follows.
SQLite announces nothing; its follower polls.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder

from eventstore.connections import connect_beside_pool, is_postgres, listen_for_saves
from projections.lease import wait_for_notifies


class SaveNews(Protocol):
    # Whether every commit of events wakes `wait` (so a follower need not poll).
    announces: bool

    def wait(self, timeout: float) -> bool:
        """Waits up to `timeout` seconds (less when stopped); True if woken by news."""
        ...

    def close(self) -> None: ...


class PostgresNews:
    announces = True

    def __init__(self, recorder: ApplicationRecorder):
        self._recorder = recorder
        self._conn: Any = None

    def wait(self, timeout: float) -> bool:
        if self._conn is None:
            # Opened when first waited on, so news of what comes after the follower's next
            # read is not missed: it reads the log once more after every wait anyway.
            conn = connect_beside_pool(self._recorder, autocommit=True, connect_timeout=5)
            try:
                listen_for_saves(conn, self._recorder)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
            return True
        try:
            return wait_for_notifies(self._conn, timeout)
        except BaseException:
            self.close()  # opened anew on the next wait
            raise

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.close()


class NoNews:
    announces = False

    def __init__(self, stop: threading.Event):
        self._stop = stop

    def wait(self, timeout: float) -> bool:
        self._stop.wait(timeout)
        return False

    def close(self) -> None:
        pass


def news_for(recorder: ApplicationRecorder, stop: threading.Event) -> SaveNews:
    if is_postgres(recorder):
        return PostgresNews(recorder)
    return NoNews(stop)
