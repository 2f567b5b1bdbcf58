"""The library's PostgreSQL table creation, serialised between processes.

gunicorn workers and projection runners construct the application at the same moment. The
library creates its types, tables and functions in separate transactions with no lock, and two
sessions doing so at once collide in PostgreSQL's catalog ("tuple concurrently updated", a
duplicate pg_type row). Here everything happens in one transaction that first takes the same
advisory lock our own tables are created under, so the second process waits and then finds
everything in place.
"""

from __future__ import annotations

import contextlib
from typing import Any

from psycopg.errors import DuplicateObject

from eventstore.schema import SCHEMA_LOCK_KEY


class SerialisedTableCreation:
    datastore: Any
    sql_create_statements: list[Any]

    def create_table(self) -> None:
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", (SCHEMA_LOCK_KEY,))
            for statement in self.sql_create_statements:
                if "CREATE TYPE" in statement.as_string():
                    # CREATE TYPE has no IF NOT EXISTS; a savepoint keeps the transaction usable.
                    with contextlib.suppress(DuplicateObject), cursor.connection.transaction():
                        cursor.execute(statement, prepare=False)
                else:
                    cursor.execute(statement, prepare=False)
        self.datastore.register_type_adapters()
