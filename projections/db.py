"""SQL plumbing shared by the runner, the views, the queries and the rebuild.

One DDL and one statement text serve both databases: types are TEXT, BIGINT and INTEGER only
(booleans are 0/1, money is a Decimal string, instants are microseconds since the epoch), so
SQLite and PostgreSQL store, compare and order the same values the same way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from eventstore.schema import SCHEMA_LOCK_KEY
from eventstore.sql import Cursor, SqlStore

POSTGRES = "postgres"


def dialect(cursor: Cursor) -> str:
    # Cursor has no public accessor for its store yet; the projections need the dialect only
    # for catalogue queries and advisory locks.
    store: SqlStore = getattr(cursor, "_store")  # noqa: B009
    return store.dialect


def advisory_key(*parts: str) -> int:
    """A signed 64-bit key for pg_advisory_*: advisory locks are per database, not per
    schema, so callers include the schema in `parts`."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def serialise_ddl(cursor: Cursor) -> None:
    """Makes concurrent CREATE TABLEs wait for each other on PostgreSQL (IF NOT EXISTS is not
    safe against a concurrent creator there), under the service's one schema lock. SQLite's
    single writer serialises them already."""
    if dialect(cursor) == POSTGRES:
        cursor.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK_KEY,))


def table_exists(cursor: Cursor, name: str) -> bool:
    if dialect(cursor) == POSTGRES:
        row = cursor.execute(
            "SELECT 1 AS found FROM pg_catalog.pg_tables"
            " WHERE schemaname = current_schema() AND tablename = ?",
            (name,),
        ).fetchone()
    else:
        row = cursor.execute(
            "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)
        ).fetchone()
    return row is not None


def columns_of(cursor: Cursor, name: str) -> set[str]:
    if dialect(cursor) == POSTGRES:
        rows = cursor.execute(
            "SELECT column_name AS name FROM information_schema.columns"
            " WHERE table_schema = current_schema() AND table_name = ?",
            (name,),
        ).fetchall()
    else:
        rows = cursor.execute("SELECT name FROM pragma_table_info(?)", (name,)).fetchall()
    return {row["name"] for row in rows}


@dataclass(frozen=True)
class Table:
    """A projection table: `columns` is the body of CREATE TABLE, `indexes` maps a short
    index name to its column list."""

    base: str
    columns: str
    indexes: Sequence[tuple[str, str]] = ()

    def create(self, cursor: Cursor, suffix: str = "") -> bool:
        """Creates the table and its indexes unless the table exists; True if it created it.

        Indexes are created only together with their table: after a rebuild swap, a table
        keeps the index names it was built with (`<base><suffix>_<ix>`), and creating the
        `<base>_<ix>` names again would index it twice.
        """
        name = self.base + suffix
        if table_exists(cursor, name):
            return False
        cursor.execute(f"CREATE TABLE {name} ({self.columns})")
        for index_name, columns in self.indexes:
            cursor.execute(f"CREATE INDEX {name}_{index_name} ON {name} ({columns})")
        return True


def placeholders(count: int) -> str:
    return ",".join("?" * count)
