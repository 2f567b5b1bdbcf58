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
