"""Connections of our own beside the library's pool, and where the store lives.

Two users need a connection that is not one of the pool's: the projection lease holds a session
advisory lock (and LISTENs) on it for as long as a runner works, and the readiness probe asks
over one that is not queued behind a busy pool. Both take the pool's own libpq parameters
(the library builds its pool from a dict of them; the fail-fast factory adds libpq's options),
so they reach the same hosts, database and credentials as the event store itself.
tests/contracts/ checks that shape of the library's datastores.
"""

from __future__ import annotations

from typing import Any

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.postgres import PostgresDatastore
from eventsourcing.sqlite import SQLiteDatastore


def _datastore(recorder: ApplicationRecorder) -> Any:
    datastore = getattr(recorder, "datastore", None)
    if datastore is None:
        raise RuntimeError("the event store has no SQL datastore")
    return datastore


def is_postgres(recorder: ApplicationRecorder) -> bool:
    return isinstance(_datastore(recorder), PostgresDatastore)


def postgres_params(recorder: ApplicationRecorder) -> dict[str, Any]:
    """The libpq parameters of the recorder's pool (a copy: changing it changes nothing)."""
    datastore = _datastore(recorder)
    if not isinstance(datastore, PostgresDatastore):
        raise RuntimeError("not a PostgreSQL event store")
    params = datastore.pool.kwargs
    if not isinstance(params, dict):
        raise RuntimeError("the library's pool no longer keeps its libpq parameters in a dict")
    return dict(params)


def connect_beside_pool(
    recorder: ApplicationRecorder, *, autocommit: bool = False, **libpq: Any
) -> Any:
    """A new PostgreSQL connection to the store's database, outside the pool, with `libpq`
    options added to (or replacing) the pool's. The caller closes it."""
    import psycopg  # only PostgreSQL deployments get here

    return psycopg.connect(**{**postgres_params(recorder), **libpq}, autocommit=autocommit)


def listen_for_saves(connection: Any, recorder: ApplicationRecorder) -> None:
    """LISTEN on the channel the PostgreSQL recorder NOTIFYs after every save, so a reader
    waiting on `connection.notifies()` wakes when events arrive instead of polling."""
    from psycopg import sql

    channel = getattr(recorder, "channel_name", None)
    if channel:
        connection.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))


def answers_within(recorder: ApplicationRecorder, seconds: int) -> None:
    """The database answers a trivial query, or this raises within about `seconds`: on
    PostgreSQL over a connection of its own (the library's reads retry for most of a minute
    and the pool may be busy), on SQLite by opening the file."""
    datastore = _datastore(recorder)
    if isinstance(datastore, PostgresDatastore):
        with connect_beside_pool(recorder, connect_timeout=seconds) as connection:
            connection.execute("SELECT 1")
        return
    with datastore.transaction(commit=False) as cursor:
        cursor.execute("SELECT 1")


def sqlite_db_name(recorder: ApplicationRecorder) -> str | None:
    """The SQLite database the store opened (a path, a file: URI or an in-memory name);
    None for a store that is not SQLite."""
    datastore = _datastore(recorder)
    if not isinstance(datastore, SQLiteDatastore):
        return None
    return str(datastore.pool.db_name)
