"""Telling "the database is away" (503, try again) from a bug (500)."""

from __future__ import annotations

import sqlite3

from eventsourcing.persistence import InterfaceError, OperationalError
from flask import g


def is_database_unavailable(error: BaseException) -> bool:
    if isinstance(error, (OperationalError, InterfaceError, sqlite3.OperationalError)):
        return True
    try:
        import psycopg
        import psycopg_pool
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(error, (psycopg.OperationalError, psycopg_pool.PoolTimeout))


def note_database_unavailable() -> None:
    """This request found the database away and answers 503: an answer that says nothing of
    anyone, and that asking the database again before it is sent would only delay."""
    g.database_unavailable = True


def found_database_unavailable() -> bool:
    return bool(g.get("database_unavailable"))
