"""The tracking table: how far each projection (and each rebuild in progress) has applied the log.

A row moves only by compare-and-set inside the transaction that writes the projection's rows,
so the rows and the position always agree, whoever (or however many) applied the batch.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from eventstore.sql import Cursor
from projections.db import Table

TRACKING = Table(
    "projection_tracking",
    "name TEXT PRIMARY KEY,"
    " position BIGINT NOT NULL,"
    " updated_at TEXT,"
    " holder TEXT",
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
    """Moves `name` from `expected` to `new`; False if someone else moved it first.

    Run it as the first write of the batch's transaction: on PostgreSQL a concurrent applier
    then waits on this row and, once the first commits, finds the position changed; on SQLite
    the write takes the database's write lock before anything is read.
    """
    cursor.execute(
        "UPDATE projection_tracking SET position = ?, updated_at = ?, holder = ?"
        " WHERE name = ? AND position = ?",
        (new, _now(), holder, name, expected),
    )
    return cursor.rowcount == 1


def lock_row(cursor: Cursor, name: str) -> None:
    """Holds back every applier of `name` until this transaction ends."""
    cursor.execute(
        "UPDATE projection_tracking SET position = position WHERE name = ?", (name,)
    )


def set_position(cursor: Cursor, name: str, position: int, holder: str) -> None:
    cursor.execute(
        "INSERT INTO projection_tracking (name, position, updated_at, holder)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (name) DO UPDATE"
        " SET position = excluded.position, updated_at = excluded.updated_at,"
        " holder = excluded.holder",
        (name, position, _now(), holder),
    )


def delete_row(cursor: Cursor, name: str) -> None:
    cursor.execute("DELETE FROM projection_tracking WHERE name = ?", (name,))
