"""Plain SQL on the event store's own connection pool, for the tables that are not events
(people directory, tokens, read models, ledger): one pool per process, opened after fork.
"""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    OperationalError,
    PersistenceError,
    ProgrammingError,
)
from eventsourcing.sqlite import SQLITE3_DEFAULT_LOCK_TIMEOUT
from psycopg.rows import dict_row, tuple_row

from eventstore import companion
from eventstore.sqlite_write_lock import begin_immediate

_LIBRARY_ERRORS: dict[type[sqlite3.Error], type[PersistenceError]] = {
    sqlite3.InterfaceError: InterfaceError,
    sqlite3.DataError: DataError,
    sqlite3.OperationalError: OperationalError,
    sqlite3.IntegrityError: IntegrityError,
    sqlite3.InternalError: InternalError,
    sqlite3.ProgrammingError: ProgrammingError,
    sqlite3.NotSupportedError: NotSupportedError,
    sqlite3.DatabaseError: DatabaseError,
}


# In the library's order: the first that matches names the error.
_LIBRARY_POSTGRES_ERRORS: tuple[tuple[type[Exception], type[PersistenceError]], ...] = (
    (psycopg.InterfaceError, InterfaceError),
    (psycopg.OperationalError, OperationalError),
    (psycopg.DataError, DataError),
    (psycopg.IntegrityError, IntegrityError),
    (psycopg.InternalError, InternalError),
    (psycopg.ProgrammingError, ProgrammingError),
    (psycopg.NotSupportedError, NotSupportedError),
    (psycopg.DatabaseError, DatabaseError),
)


def _library_error(error: Exception) -> PersistenceError:
    """The library's exception for a psycopg error, as its `get_connection` raises them."""
    for psycopg_kind, kind in _LIBRARY_POSTGRES_ERRORS:
        if isinstance(error, psycopg_kind):
            return kind(str(error))
    return PersistenceError(str(error))


class SqlStore:
    """Runs SQL written with `?` placeholders on SQLite or PostgreSQL alike.

    `flush_each_commit=False` is for state derived from the event log and tracked in the same
    transaction as its position (the projection runners' views and ledger): on SQLite its commits
    are not flushed to disk one by one (`synchronous=NORMAL` in WAL mode, for its transactions
    only). A power loss may then undo the last of them, whole, never half of one: the tracking
    position goes back with the rows, and the runner applies those events again. The events' own
    commits stay flushed, and as the WAL is written in order, flushing any later commit flushes
    these too. A runner that flushed every batch added one to two flushes to every command, each
    under the database's one write lock. PostgreSQL commits as always (its synchronous standby
    and failover rely on that; its runners wait on the WAL flush without blocking the writers).
    """

    def __init__(self, recorder: ApplicationRecorder, *, flush_each_commit: bool = True):
        datastore = getattr(recorder, "datastore", None)
        if datastore is None:
            raise RuntimeError("the event store has no SQL datastore")
        self._datastore = datastore
        self.dialect = "postgres" if type(datastore).__module__.endswith("postgres") else "sqlite"
        schema = getattr(datastore, "schema", "public") if self.is_postgres else "public"
        # Our tables live beside the event store's, in its schema.
        self._set_schema = (
            None if schema == "public" else f'SET LOCAL search_path TO "{schema}", public'
        )
        self._set_session_schema = (
            None if schema == "public" else f'SET search_path TO "{schema}", public'
        )
        # Pooled connections this store has set the search path on (each only once).
        self._session_schema_set: weakref.WeakSet[Any] = weakref.WeakSet()
        self.schema = schema
        self.flush_each_commit = flush_each_commit

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgres"

    def sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.is_postgres else statement

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        check = companion.waiting_for(self)
        if check is not None:
            # Nothing is written before the request's check has its answer.
            self.settle(check)
        if not self.is_postgres:
            with self._immediate_sqlite_transaction() as cursor:
                yield cursor
            return
        with self._datastore.transaction(commit=True) as cursor:
            if self._set_schema:
                cursor.execute(self._set_schema)
            yield Cursor(cursor, self)

    @contextmanager
    def _immediate_sqlite_transaction(self) -> Iterator[Cursor]:
        """SQLite: take the write lock up front (BEGIN IMMEDIATE). A deferred transaction that
        reads first cannot upgrade to a writer once another process has written in between:
        it fails at once with "database is locked" instead of waiting its turn. The wait for
        the lock asks again in short steps (eventstore.sqlite_write_lock)."""
        with self._datastore.get_connection(commit=True) as connection:
            cursor = connection.cursor()
            restore = None
            if not self.flush_each_commit:
                # Per connection, and the pool's connections also carry the events' commits:
                # set for this transaction only, and put back afterwards.
                cursor.execute("PRAGMA synchronous")
                restore = int(cursor.fetchone()[0])
                cursor.execute("PRAGMA synchronous = NORMAL")
            try:
                begin_immediate(cursor.sqlite_cursor, self._lock_timeout_s())
                try:
                    yield Cursor(cursor, self)
                except BaseException:
                    connection.rollback()
                    raise
                connection.commit()
            finally:
                if restore is not None:
                    cursor.execute(f"PRAGMA synchronous = {restore}")

    def _lock_timeout_s(self) -> float:
        # The pool's own lock timeout, with the default its connections fall back to as well.
        timeout = getattr(self._datastore.pool, "lock_timeout", None)
        return float(timeout or SQLITE3_DEFAULT_LOCK_TIMEOUT)

    @contextmanager
    def reading(self) -> Iterator[Cursor]:
        if not self.is_postgres:
            with self._datastore.transaction(commit=False) as cursor:
                yield Cursor(cursor, self)
            return
        # The pool's connections are in autocommit mode. Under READ COMMITTED each statement
        # takes its own snapshot even inside a transaction, so a read-only BEGIN … ROLLBACK
        # would add two round trips and no consistency.
        with self._datastore.get_connection() as connection:
            if self._set_session_schema and connection not in self._session_schema_set:
                # Every user of this pool works in this one schema.
                connection.execute(self._set_session_schema)
                self._session_schema_set.add(connection)
            yield Cursor(connection.cursor(), self)

    def select(self, statement: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """The rows of ONE read statement. On SQLite it runs in autocommit, without BEGIN and
        ROLLBACK around it: a single statement is its own read transaction there, as
        consistent as inside an explicit one, at a third of the statements per read.

        A check sent with this request's next read (`eventstore.companion`) rides on it: one
        round trip for both, and the rows are returned only once the check took its values."""
        check = companion.waiting_for(self)
        if check is not None and companion.can_carry(statement):
            rows = self._select(companion.carried_by(check, statement), (*check.params, *params))
            if rows:
                companion.deliver(check, companion.take_off(check, rows))
            return rows
        return self._select(statement, params)

    def select_tuples(
        self, statement: str, params: Sequence[Any] = ()
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and the rows as plain tuples of ONE read statement, as `select`
        runs it (a waiting check rides on it the same way): for reads that take a few
        columns of many rows, without a dictionary made per row."""
        check = companion.waiting_for(self)
        if check is not None and companion.can_carry(statement):
            names, rows = self._select_tuples(
                companion.carried_by(check, statement), (*check.params, *params)
            )
            taken = len(check.columns)
            if rows:
                companion.deliver(check, companion.take_off_first(check, names, rows[0]))
            return names[taken:], [row[taken:] for row in rows]
        return self._select_tuples(statement, params)

    def settle(self, check: companion.CompanionCheck) -> None:
        """The check's verdict: delivers it with a statement of its own if no read carried
        it; raises its refusal (again, if a read already raised it)."""
        if not check.delivered:
            rows = self._select(companion.alone(check), check.params)
            companion.deliver(check, companion.take_off(check, rows))
        elif check.refusal is not None:
            raise check.refusal

    def _select(self, statement: str, params: Sequence[Any]) -> list[dict[str, Any]]:
        if self.is_postgres:
            return self._postgres_select(statement, params, dict_row)[1]
        names, rows = self._sqlite_select(statement, params)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _select_tuples(
        self, statement: str, params: Sequence[Any]
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        if self.is_postgres:
            return self._postgres_select(statement, params, tuple_row)
        return self._sqlite_select(statement, params)

    def _sqlite_select(
        self, statement: str, params: Sequence[Any]
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        """One statement in autocommit: the column names and the rows as plain tuples (made
        in C). Errors are raised as the library's, as a read inside its transaction raises."""
        with self._datastore.get_connection(commit=False) as connection:
            cursor = connection.cursor().sqlite_cursor
            cursor.row_factory = None
            try:
                cursor.execute(statement, tuple(params))
                rows = cursor.fetchall()
                return [column[0] for column in cursor.description or ()], rows
            except sqlite3.Error as error:
                raise _LIBRARY_ERRORS.get(type(error), PersistenceError)(error) from error
            finally:
                cursor.close()

    def _postgres_select(
        self, statement: str, params: Sequence[Any], row_factory: Any
    ) -> tuple[list[str], list[Any]]:
        """One statement on a pooled connection taken and handed back directly: the pool's
        connections are in autocommit mode, so there is no transaction to end (the pool
        resets one left open on return anyway), and a statement of ours needs none of the
        library's composite type adapters. Errors are raised as the library's."""
        pool = self._datastore.pool
        if pool.closed:
            # Not opened yet (or closed): the library's way opens it, or says why not.
            with self.reading() as cursor:
                raw = cursor._cursor
                raw.row_factory = row_factory
                raw.execute(self.sql(statement), tuple(params))
                return [column.name for column in raw.description or ()], raw.fetchall()
        try:
            connection = pool.getconn()
        except psycopg.Error as error:
            raise _library_error(error) from error
        try:
            if self._set_session_schema and connection not in self._session_schema_set:
                connection.execute(self._set_session_schema)
                self._session_schema_set.add(connection)
            cursor = connection.cursor(row_factory=row_factory)
            cursor.execute(self.sql(statement), tuple(params))
            if row_factory is dict_row:
                return [], cursor.fetchall()  # the rows name their columns themselves
            # As psycopg's dict_row reads them (`description` would make a Column each).
            result, encoding = cursor.pgresult, connection.info.encoding
            fields = result.nfields if result is not None else 0
            names = [(result.fname(i) or b"").decode(encoding) for i in range(fields)]
            return names, cursor.fetchall()
        except psycopg.Error as error:
            raise _library_error(error) from error
        finally:
            pool.putconn(connection)

    def execute_script(self, statements: Sequence[str]) -> None:
        with self.transaction() as cursor:
            for statement in statements:
                cursor.execute(statement)


class Cursor:
    def __init__(self, cursor: Any, store: SqlStore):
        self._cursor = cursor
        self._store = store

    @property
    def is_postgres(self) -> bool:
        return self._store.is_postgres

    @property
    def dialect(self) -> str:
        return self._store.dialect

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Cursor:
        self._cursor.execute(self._store.sql(statement), tuple(params))
        return self

    def executemany(self, statement: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(self._store.sql(statement), [tuple(r) for r in rows])

    def fetchone(self) -> dict[str, Any] | None:
        row = self._cursor.fetchone()
        return None if row is None else dict(row)

    def fetchall(self) -> list[dict[str, Any]]:
        return [dict(row) for row in self._cursor.fetchall()]

    def fetchall_tuples(self) -> list[tuple[Any, ...]]:
        """The rows as plain tuples, in the order of the statement's columns."""
        rows = self._cursor.fetchall()
        if rows and isinstance(rows[0], dict):  # PostgreSQL's cursors make dicts
            return [tuple(row.values()) for row in rows]
        return [tuple(row) for row in rows]

    @property
    def rowcount(self) -> int:
        # eventsourcing's SQLite cursor wrapper hides the sqlite3 cursor's rowcount.
        raw = getattr(self._cursor, "sqlite_cursor", self._cursor)
        return int(raw.rowcount)
