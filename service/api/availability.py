"""Telling "the database is away" (503, try again) from a bug (500), and answering so at once.

A request that finds PostgreSQL away has waited for the pool twice (the fail-fast recorders'
two attempts, each up to connect_timeout) before it can answer 503. Every request after it
would wait as long, holding a worker thread each, so a queue builds behind them and answers
come later than clients' timeouts. Once one request found the database away, each next request
first asks the database over a short connection of its own (refused at once while it is
down) until one finds it back.
"""

from __future__ import annotations

import sqlite3
import threading

from eventsourcing.persistence import InterfaceError, OperationalError
from flask import Flask, current_app, g, request

from eventstore.connections import answers_within

# A refused connection fails at once; a host that does not answer is given up on by then.
CHECK_TIMEOUT_S = 2
# Neither of these asks the database through the pool: the probes answer for themselves.
UNCHECKED_BLUEPRINTS = frozenset({"probes"})


def is_database_unavailable(error: BaseException) -> bool:
    if isinstance(error, (OperationalError, InterfaceError, sqlite3.OperationalError)):
        return True
    try:
        import psycopg
        import psycopg_pool
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if isinstance(error, (psycopg.OperationalError, psycopg_pool.PoolTimeout)):
        return True
    return _met_a_stale_prepared_statement(error)


def _met_a_stale_prepared_statement(error: BaseException) -> bool:
    """A save on PostgreSQL runs as one pipeline; when one fails on a conflict, the server skips
    what was queued after it, and the driver may take a statement it had queued for preparing
    as prepared. The connection's next use of it fails ("prepared statement ... does not
    exist"): nothing was written, and the request can be sent again, so it is a 503, not a bug."""
    from psycopg.errors import InvalidSqlStatementName

    seen: BaseException | None = error
    for _ in range(8):  # the library wraps the driver's error once or twice
        if seen is None:
            return False
        if isinstance(seen, InvalidSqlStatementName):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


class DatabaseOutage:
    """What this process last learnt of the database: found away, until a check finds it
    back. A false alarm (a lock timeout is an operational error too) costs one short check."""

    def __init__(self) -> None:
        self._away = threading.Event()

    def found_away(self) -> None:
        self._away.set()

    def found_back(self) -> None:
        self._away.clear()

    @property
    def away(self) -> bool:
        return self._away.is_set()

    @staticmethod
    def of(app: Flask) -> DatabaseOutage:
        outage = app.extensions["innoledger.database_outage"]
        assert isinstance(outage, DatabaseOutage)
        return outage


def note_database_unavailable() -> None:
    """This request found the database away and answers 503: an answer that says nothing of
    anyone, and that asking the database again before it is sent would only delay."""
    g.database_unavailable = True
    DatabaseOutage.of(current_app).found_away()


def found_database_unavailable() -> bool:
    return bool(g.get("database_unavailable"))


def check_database_after_outage() -> None:
    """While the database was last found away, a request asks it over a short connection
    before anything waits for the pool: it raises (and is answered 503) while the database is
    still away."""
    outage = DatabaseOutage.of(current_app)
    if not outage.away or request.blueprint in UNCHECKED_BLUEPRINTS:
        return
    from service.api.context import services

    answers_within(services().innoledger.recorder, CHECK_TIMEOUT_S)
    outage.found_back()


def register_availability(app: Flask) -> None:
    app.extensions["innoledger.database_outage"] = DatabaseOutage()
    app.before_request(check_database_after_outage)
