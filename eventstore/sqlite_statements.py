"""SQLite connections that keep their prepared statements.

The library opens its SQLite connections with `cached_statements=True`, which the sqlite3
module reads as a cache of ONE statement: every request then compiles again the statements it
runs (a view's page, the token's freshness, BEGIN, the events' select and insert), each
compile costing as much as running the statement. These connections keep the module's usual
cache instead; everything else about them is the library's (WAL, autocommit, row factory,
lock timeout), which `tests/contracts` checks against a connection of the library's own —
except that a writing transaction waits for the write lock in short steps
(`eventstore.sqlite_write_lock`).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from eventsourcing.persistence import InterfaceError
from eventsourcing.sqlite import (
    SQLITE3_DEFAULT_LOCK_TIMEOUT,
    SQLiteConnectionPool,
    SQLiteFactory,
)

from eventstore.sqlite_write_lock import WriteLockWaitingConnection

# The sqlite3 module's own default: more than the statements a process runs again and again.
STATEMENT_CACHE_SIZE = 128


class StatementCachingPool(SQLiteConnectionPool):
    def _create_connection(self) -> WriteLockWaitingConnection:
        try:
            connection = sqlite3.connect(
                database=self.db_name,
                uri=True,
                check_same_thread=False,
                isolation_level=None,  # autocommit: transactions begin explicitly
                cached_statements=STATEMENT_CACHE_SIZE,
                timeout=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
            )
        except (sqlite3.Error, TypeError) as error:
            raise InterfaceError(error) from error
        if not self.is_sqlite_memory_mode and not self.is_journal_mode_wal:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode;")
            if cursor.fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode=WAL;")
                self.journal_mode_was_changed_to_wal = True
            self.is_journal_mode_wal = True
        connection.row_factory = sqlite3.Row
        return WriteLockWaitingConnection(
            sqlite_conn=connection,
            max_age=self.max_age,
            lock_timeout_s=self.lock_timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT,
        )


class StatementCachingSQLiteFactory(SQLiteFactory):
    def __init__(self, env: Any):
        super().__init__(env)
        library_pool = self.datastore.pool
        # The library's pool has opened no connection yet: swap it for one that caches.
        self.datastore.pool = StatementCachingPool(
            db_name=library_pool.db_name,
            lock_timeout=library_pool.lock_timeout,
            pool_size=library_pool.pool_size,
            max_overflow=library_pool.max_overflow,
            pool_timeout=library_pool.pool_timeout,
            max_age=library_pool.max_age,
            pre_ping=library_pool.pre_ping,
        )
        library_pool.close()
