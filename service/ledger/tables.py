"""The ledger's tables.  One DDL serves both dialects: SQLite stores BYTEA-declared values as the
blobs they are, and BIGINT means a 64-bit integer in both.

* ``ledger_leaves`` — one row per leaf: ``leaf_index`` (contiguous from 0), the event's log
  ``position`` (notification id; may have gaps), its ``originator_id`` / ``originator_version``
  and ``leaf_hash``.  Level 0 of the tree lives here, not in ``ledger_nodes``.
* ``ledger_nodes`` — ``(level, node_index, hash)`` for level >= 1: the root of the perfect subtree
  over leaves ``[node_index * 2**level, (node_index + 1) * 2**level)``, stored once complete.
* ``ledger_tree_heads`` — every tree head signed here or imported with an export; it is *not*
  rebuilt with the projection, so a rebuild can never erase an earlier commitment.
* ``ledger_keys`` — every public key that signed a stored tree head, by key id.

The first two are the projection's and are rebuilt (suffixed, then swapped) by the runner.
"""

from __future__ import annotations

from eventstore.sql import Cursor

LEAVES = "ledger_leaves"
NODES = "ledger_nodes"
TREE_HEADS = "ledger_tree_heads"
KEYS = "ledger_keys"


def projection_ddl(suffix: str = "") -> list[str]:
    """The projection's tables, then their indexes.  Indexes carry the suffix they were built
    with; after a rebuild swap renames the tables, `create_projection_tables` must not index
    them again under the base names."""
    leaves = LEAVES + suffix
    nodes = NODES + suffix
    return [
        f"""CREATE TABLE IF NOT EXISTS {leaves} (
            leaf_index BIGINT PRIMARY KEY,
            position BIGINT NOT NULL,
            originator_id TEXT NOT NULL,
            originator_version BIGINT NOT NULL,
            leaf_hash BYTEA NOT NULL
        )""",
        f"""CREATE TABLE IF NOT EXISTS {nodes} (
            level INTEGER NOT NULL,
            node_index BIGINT NOT NULL,
            hash BYTEA NOT NULL,
            PRIMARY KEY (level, node_index)
        )""",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {leaves}_by_position ON {leaves} (position)",
        f"CREATE UNIQUE INDEX IF NOT EXISTS {leaves}_by_event"
        f" ON {leaves} (originator_id, originator_version)",
    ]


def table_exists(cursor: Cursor, name: str, *, postgres: bool) -> bool:
    if postgres:
        sql = (
            "SELECT 1 AS found FROM pg_catalog.pg_tables"
            " WHERE schemaname = current_schema() AND tablename = ?"
        )
    else:
        sql = "SELECT 1 AS found FROM sqlite_master WHERE type = 'table' AND name = ?"
    return cursor.execute(sql, (name,)).fetchone() is not None


def create_projection_tables(cursor: Cursor, suffix: str, *, postgres: bool) -> None:
    if table_exists(cursor, LEAVES + suffix, postgres=postgres):
        return
    for statement in projection_ddl(suffix):
        cursor.execute(statement)


def shared_ddl() -> list[str]:
    return [
        f"""CREATE TABLE IF NOT EXISTS {TREE_HEADS} (
            key_id TEXT NOT NULL,
            tree_size BIGINT NOT NULL,
            root_hash BYTEA NOT NULL,
            timestamp_ms BIGINT NOT NULL,
            signature BYTEA NOT NULL,
            origin TEXT NOT NULL,
            PRIMARY KEY (key_id, tree_size)
        )""",
        f"CREATE INDEX IF NOT EXISTS {TREE_HEADS}_by_size ON {TREE_HEADS} (tree_size)",
        f"""CREATE TABLE IF NOT EXISTS {KEYS} (
            key_id TEXT PRIMARY KEY,
            public_key_pem TEXT NOT NULL,
            origin TEXT NOT NULL,
            first_seen_at TEXT NOT NULL
        )""",
    ]
