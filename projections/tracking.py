"""The tracking table: how far each projection (and each rebuild in progress) has applied the log.

A row moves only by compare-and-set inside the transaction that writes the projection's rows,
so the rows and the position always agree, whoever (or however many) applied the batch.

A row also says since when its projection's readers have seen the same rows
(`content_position`): the end of the last batch that changed what they see. A view's position
moves with every event of the log, its own or not (an advance over other topics, see
projections.runner), so a page read at one position is the page of every later position up to
the next such change; readers that keep pages (service/api/answer_cache.py) ask this. It
counts only while `content_at` equals `updated_at`, that is, if the last move of the row
vouched for it: code of before, still running somewhere during an upgrade, moves the row
without it, and then (as when the column is NULL) the rows may have changed at the position.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from eventstore.sql import Cursor
from projections.db import Table, columns_of

TRACKING = Table(
    "projection_tracking",
    "name TEXT PRIMARY KEY,"
    " position BIGINT NOT NULL,"
    " updated_at TEXT,"
    " holder TEXT,"
    " content_position BIGINT,"
    " content_at TEXT",
)
# The position since which the readers have seen the same rows, as far as the row vouches for it.
ROWS_SINCE = (
    "CASE WHEN content_at = updated_at THEN COALESCE(content_position, position)"
    " ELSE position END"
)
REBUILD_MARK = "__rb"  # tracking names and table suffixes of rebuilds in progress contain it


@dataclass(frozen=True)
class TrackingRow:
    name: str
    position: int
    updated_at: str | None
    holder: str | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def ensure_table(cursor: Cursor) -> None:
    """Creates the tracking table, or adds the columns of `content_position` to one made before
    them (NULL: unknown). Under the schema lock (projections.db.serialise_ddl)."""
    if TRACKING.create(cursor):
        return
    present = columns_of(cursor, TRACKING.base)
    for column, kind in (("content_position", "BIGINT"), ("content_at", "TEXT")):
        if column not in present:
            cursor.execute(f"ALTER TABLE projection_tracking ADD COLUMN {column} {kind}")


def ensure_row(cursor: Cursor, name: str) -> None:
    cursor.execute(
        "INSERT INTO projection_tracking (name, position, updated_at, holder)"
        " VALUES (?, 0, ?, NULL) ON CONFLICT (name) DO NOTHING",
        (name, _now()),
    )


def read_position(cursor: Cursor, name: str) -> int | None:
    row = cursor.execute(
        "SELECT position FROM projection_tracking WHERE name = ?", (name,)
    ).fetchone()
    return None if row is None else int(row["position"])


def read_all(cursor: Cursor) -> list[TrackingRow]:
    rows = cursor.execute(
        "SELECT name, position, updated_at, holder FROM projection_tracking ORDER BY name"
    ).fetchall()
    return [
        TrackingRow(
            name=row["name"],
            position=int(row["position"]),
            updated_at=row["updated_at"],
            holder=row["holder"],
        )
        for row in rows
    ]


def advance(cursor: Cursor, name: str, expected: int, new: int, holder: str) -> bool:
    """Moves `name` from `expected` to `new`; False if someone else moved it first. What the
    readers see stays as it was, and so does the position since which they have seen it
    (rows unknown since when have been as they are since `expected`), unless `rows_changed`
    follows.

    Run it as the first write of the batch's transaction: on PostgreSQL a concurrent applier
    then waits on this row and, once the first commits, finds the position changed; on SQLite
    the write takes the database's write lock before anything is read.
    """
    now = _now()
    # The right-hand sides read the row as it was, at `expected`.
    cursor.execute(
        "UPDATE projection_tracking SET position = ?, updated_at = ?, holder = ?,"
        f" content_position = {ROWS_SINCE}, content_at = ?"
        " WHERE name = ? AND position = ?",
        (new, now, holder, now, name, expected),
    )
    return cursor.rowcount == 1


def rows_changed(cursor: Cursor, name: str, position: int) -> None:
    """What `name`'s readers see changed with the batch that ends at `position` (after
    `advance`, in its transaction)."""
    cursor.execute(
        "UPDATE projection_tracking SET content_position = ? WHERE name = ?", (position, name)
    )


def lock_row(cursor: Cursor, name: str) -> None:
    """Holds back every applier of `name` until this transaction ends."""
    cursor.execute(
        "UPDATE projection_tracking SET position = position WHERE name = ?", (name,)
    )


def set_position(cursor: Cursor, name: str, position: int, holder: str) -> None:
    """`name` at `position` with rows that may all have changed there (a rebuild's swap)."""
    now = _now()
    cursor.execute(
        "INSERT INTO projection_tracking"
        " (name, position, updated_at, holder, content_position, content_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (name) DO UPDATE"
        " SET position = excluded.position, updated_at = excluded.updated_at,"
        " holder = excluded.holder, content_position = excluded.content_position,"
        " content_at = excluded.content_at",
        (name, position, now, holder, position, now),
    )


def delete_row(cursor: Cursor, name: str) -> None:
    cursor.execute("DELETE FROM projection_tracking WHERE name = ?", (name,))
