"""A view's tables out of reach for a while: what a read that still touches them shows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask

from projections.registry import projection_named


@contextmanager
def view_tables_away(app: Flask, view: str) -> Iterator[None]:
    """The view's tables renamed for a while: a read that touches them fails."""
    store = app.extensions["innoledger"].sql
    tables = projection_named(view).table_names()
    with store.transaction() as cursor:
        for table in tables:
            cursor.execute(f"ALTER TABLE {table} RENAME TO {table}_away")
    try:
        yield
    finally:
        with store.transaction() as cursor:
            for table in tables:
                cursor.execute(f"ALTER TABLE {table}_away RENAME TO {table}")
