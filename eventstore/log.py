"""Reading the event log on a cursor of our own transaction.

The runner reads the log through the recorder, before it opens its write transaction. The
rebuild's swap must read the last events while it holds its write transaction, and asking the
recorder then would take a second connection from the same pool: eventsourcing's pool makes a
waiting writer hold the pool's queue while it waits for the writer connection (the one the swap
holds), so the swap's read would wait for a writer that waits for the swap. Reading on the
swap's own cursor avoids the pool, and on SQLite also sees exactly what the held write lock
has frozen.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import ApplicationRecorder, Notification

from eventstore.sql import Cursor


def _table(cursor: Cursor, recorder: ApplicationRecorder) -> tuple[str, str]:
    """The events table and its notification id column, as SQL."""
    table: str = getattr(recorder, "events_table_name")  # noqa: B009
    if cursor.is_postgres:
        schema = getattr(recorder, "datastore").schema  # noqa: B009
        return f'"{schema}"."{table}"', "notification_id"
    return table, "rowid"


def select_on(
    cursor: Cursor,
    recorder: ApplicationRecorder,
    *,
    after: int,
    upto: int,
    limit: int,
    topics: Sequence[str] = (),
) -> list[Notification]:
    """Like recorder.select_notifications(start=after, stop=upto, inclusive_of_start=False)."""
    table, id_column = _table(cursor, recorder)
    where = f"{id_column} > ? AND {id_column} <= ?"
    params: list[Any] = [after, upto]
    if topics:
        where += f" AND topic IN ({','.join('?' * len(topics))})"
        params.extend(topics)
    rows = cursor.execute(
        f"SELECT {id_column} AS id, originator_id, originator_version, topic, state"
        f" FROM {table} WHERE {where} ORDER BY {id_column} LIMIT ?",
        [*params, limit],
    ).fetchall()
    convert = getattr(recorder, "convert_originator_id", None)
    return [
        Notification(
            id=int(row["id"]),
            originator_id=convert(row["originator_id"]) if convert else row["originator_id"],
            originator_version=int(row["originator_version"]),
            topic=row["topic"],
            state=bytes(row["state"]),
        )
        for row in rows
    ]
