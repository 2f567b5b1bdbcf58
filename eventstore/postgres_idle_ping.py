"""Pinging a pooled PostgreSQL connection only when it has been idle for a while.

The library pings every connection it takes from the pool (a round trip each time): three of
the eight round trips of a view read over HTTP. A connection returned to the pool moments ago
was alive moments ago; one that sat idle may have been cut (database restart, idle timeout in
between). A dead connection that slips through still fails with OperationalError, which the
recorders retry on another connection and the web tier answers with 503 and Retry-After.
"""

from __future__ import annotations

import time
import weakref
from typing import Any

from psycopg_pool import ConnectionPool

IDLE_BEFORE_PING_S = 1.0


def ping_only_idle_connections(pool: Any, idle_s: float = IDLE_BEFORE_PING_S) -> None:
    returned_at: weakref.WeakKeyDictionary[Any, float] = weakref.WeakKeyDictionary()
    put = pool.putconn

    # The moment of return is noted where the connection is handed back, not in a `reset`
    # callback: with one, psycopg_pool returns every connection through its worker thread
    # (a queue and two thread switches per statement, the connection unavailable meanwhile).
    def putconn(connection: Any) -> None:
        returned_at[connection] = time.monotonic()
        put(connection)

    def check(connection: Any) -> None:
        last = returned_at.get(connection)
        if last is None or time.monotonic() - last >= idle_s:
            ConnectionPool.check_connection(connection)

    # psycopg_pool takes `check` only at construction, which the library does for us; its
    # `connection()` context hands connections back through `self.putconn`.
    pool.putconn = putconn
    pool._check = check
