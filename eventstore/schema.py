"""Creating our own tables once, safely when several processes start at the same moment."""

from __future__ import annotations

from collections.abc import Sequence

from eventstore.sql import SqlStore

# Any constant works: it only has to be the same in every process of this service.
SCHEMA_LOCK_KEY = 0x1A0_7ED6


def ensure_tables(store: SqlStore, statements: Sequence[str]) -> None:
    with store.transaction() as cursor:
        if store.is_postgres:
            # Concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL's catalog.
            cursor.execute("SELECT pg_advisory_xact_lock(?)", (SCHEMA_LOCK_KEY,))
        for statement in statements:
            cursor.execute(statement)
