"""A request that found the database away answers its 503 at once.

An answer made for a token holder the process remembers waits for the database to confirm that
holder. The outage's 503 says nothing of anyone, and the database that just failed the request
cannot confirm anything: asking it once more would only hold the answer back by another wait
for a connection (on PostgreSQL, seconds), so clients would see an outage answered late, or not
at all before it ends.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from flask import Flask

from eventstore.sql import SqlStore
from tests.api.conftest import World


def test_an_outage_answer_for_a_remembered_holder_does_not_ask_the_database_again(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ystad = world.tenant("ystad")
    need = world.need(ystad)
    ystad.officer.ok("GET", f"needs/{need}", 200)  # the process remembers the holder now
    asked: list[str] = []

    def away(name: str) -> Any:
        def refuse(*_args: Any, **_kwargs: Any) -> Any:
            asked.append(name)
            raise sqlite3.OperationalError("unable to open database file")

        return refuse

    recorder = app.extensions["innoledger"].innoledger.recorder
    monkeypatch.setattr(type(recorder), "select_events", away("events"))
    monkeypatch.setattr(SqlStore, "_select", away("select"))
    monkeypatch.setattr(SqlStore, "reading", away("reading"))

    answer = ystad.officer.request("GET", f"needs/{need}")

    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.headers["Retry-After"]
    assert answer.get_json()["type"].endswith("database-unavailable")
    assert len(asked) == 1, asked  # the read that failed, and nothing after it

    monkeypatch.undo()
    assert ystad.officer.request("GET", f"needs/{need}").status_code == 200


def test_once_the_database_was_found_away_the_next_requests_do_not_wait_for_it(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL each of them would otherwise wait for the pool twice (seconds each) before
    its 503, holding a worker thread while the queue behind it grows."""
    ystad = world.tenant("ystad")
    need = world.need(ystad)
    version = ystad.officer.get(f"needs/{need}").headers["ETag"]
    reads: list[str] = []
    datastore = app.extensions["innoledger"].innoledger.recorder.datastore

    def unreachable(*_args: Any, **_kwargs: Any) -> Any:
        raise sqlite3.OperationalError("unable to open database file")

    def read_through_the_store(*_args: Any, **_kwargs: Any) -> Any:
        reads.append("events")
        return unreachable()

    recorder = app.extensions["innoledger"].innoledger.recorder
    monkeypatch.setattr(type(recorder), "select_events", read_through_the_store)
    monkeypatch.setattr(type(datastore), "transaction", unreachable)
    monkeypatch.setattr(SqlStore, "_select", read_through_the_store)
    monkeypatch.setattr(SqlStore, "reading", read_through_the_store)

    first = ystad.officer.request("GET", f"needs/{need}")
    assert first.status_code == 503
    found_away = len(reads)
    assert found_away >= 1

    later = [
        ystad.officer.request("GET", f"needs/{need}"),
        ystad.officer.request(
            "POST",
            f"needs/{need}/swot",
            json={"quadrant": "threat", "text": "Borta"},
            if_match=version,
        ),
        ystad.officer.request("GET", "needs"),
    ]
    for answer in later:
        assert answer.status_code == 503, answer.get_data(as_text=True)
        assert answer.headers["Retry-After"]
        assert answer.get_json()["type"].endswith("database-unavailable")
    assert len(reads) == found_away, "a later request went the long way to the database"
    # The probes answer for themselves: the process lives, and is not ready.
    assert app.test_client().get("/livez").status_code == 200
    assert app.test_client().get("/readyz").status_code == 503

    monkeypatch.undo()
    assert ystad.officer.request("GET", f"needs/{need}").status_code == 200
    assert ystad.officer.request("GET", "needs").status_code == 200


def test_a_save_that_met_a_stale_prepared_statement_answers_try_again(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL: a pipeline that failed on a conflict can leave the driver taking a statement
    as prepared that the server never prepared; the next save on that connection fails with
    nothing written. The client is told to send it again (503), not that the service broke."""
    from eventsourcing.persistence import ProgrammingError
    from psycopg.errors import InvalidSqlStatementName

    ystad = world.tenant("ystad")
    need = world.need(ystad)
    version = ystad.officer.get(f"needs/{need}").headers["ETag"]
    recorder = app.extensions["innoledger"].innoledger.recorder

    def stale(*_args: Any, **_kwargs: Any) -> Any:
        try:
            raise InvalidSqlStatementName('prepared statement "_pg3_7" does not exist')
        except InvalidSqlStatementName as error:
            raise ProgrammingError(str(error)) from error

    monkeypatch.setattr(type(recorder), "insert_events", stale)
    swot = {"quadrant": "threat", "text": "Förberedd sats saknas"}
    answer = ystad.officer.request("POST", f"needs/{need}/swot", json=swot, if_match=version)
    assert answer.status_code == 503, answer.get_data(as_text=True)
    assert answer.headers["Retry-After"]

    monkeypatch.undo()
    again = ystad.officer.request("POST", f"needs/{need}/swot", json=swot, if_match=version)
    assert again.status_code == 201, again.get_data(as_text=True)
