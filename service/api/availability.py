"""Telling "the database is away" (503, try again) from a bug (500)."""

from __future__ import annotations

import sqlite3

from eventsourcing.persistence import InterfaceError, OperationalError


def is_database_unavailable(error: BaseException) -> bool:
    if isinstance(error, (OperationalError, InterfaceError, sqlite3.OperationalError)):
        return True
    try:
        import psycopg
        import psycopg_pool
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    return isinstance(error, (psycopg.OperationalError, psycopg_pool.PoolTimeout))
