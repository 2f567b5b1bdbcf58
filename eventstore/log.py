"""Reading the event log fast, from the store or on a cursor of our own transaction.

The runner reads the log before it opens its write transaction. The rebuild reads its batches,
and its swap the last events, while it holds its write transaction: asking the recorder (or
any reader on the same pool) then would take a second connection from that pool, and
eventsourcing's pool makes a waiting writer hold the pool's queue while it waits for the writer
connection (the one the rebuild holds), so the read would wait for a writer that waits for the
rebuild. Reading on the transaction's own cursor avoids the pool, and on SQLite also sees
exactly what the held write lock has frozen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder

from eventstore.sql import Cursor, SqlStore

# (position, originator id as stored text, originator version, topic, state)
StoredRow = tuple[int, str, int, str, bytes]


def select_stored(
    source: SqlStore | Cursor,
    recorder: ApplicationRecorder,
    *,
    after: int,
    upto: int,
    limit: int,
    topics: Sequence[str] = (),
) -> list[StoredRow]:
    """What recorder.select_notifications(start=after, stop=upto, inclusive_of_start=False)
    selects, as plain tuples with the originator id as text.

    For readers that go through most of the log and need neither a Notification nor a UUID
    for most events (the projections): the library makes both for every row, which cost as
    much as a view's own work on the events it only counts. On PostgreSQL the server casts the
    id to text. From a store: one statement without a transaction around it
    (`SqlStore.select_tuples`); on a cursor: inside that cursor's transaction."""
    table: str = getattr(recorder, "events_table_name")  # noqa: B009
    if source.is_postgres:
        schema = getattr(recorder, "datastore").schema  # noqa: B009
        table = f'"{schema}"."{table}"'
        id_column, originator = "notification_id", "originator_id::text"
    else:
        id_column, originator = "rowid", "originator_id"
    where = f"{id_column} > ? AND {id_column} <= ?"
    params: list[Any] = [after, upto]
    if topics:
        where += f" AND topic IN ({','.join('?' * len(topics))})"
        params.extend(topics)
    statement = (
        f"SELECT {id_column}, {originator}, originator_version, topic, state"
        f" FROM {table} WHERE {where} ORDER BY {id_column} LIMIT ?"
    )
    params.append(limit)
    if isinstance(source, Cursor):
        return source.execute(statement, params).fetchall_tuples()
    return source.select_tuples(statement, params)[1]
