"""Fixtures of the projection tests: an application on each database, and a way to bring every
view up to date."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from eventstore.sql import SqlStore
from projections.base import Projection
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from service.innoledger import Innoledger
from service.settings import Settings


@pytest.fixture
def app(store_settings: Settings) -> Iterator[Innoledger]:
    application = Innoledger(store_settings)
    yield application
    application.close()


@pytest.fixture
def store(app: Innoledger) -> SqlStore:
    return SqlStore(app.recorder)


def sync(app: Innoledger, store: SqlStore | None = None) -> int:
    """Brings every view up to the head of the log; returns the head."""
    position = 0
    for projection in all_projections():
        position = ProjectionRunner(app, projection, store=store).catch_up()
    return position


def dump(store: SqlStore, projection: Projection) -> dict[str, list[Any]]:
    """Every row of the projection's tables, sorted: what 'the same state' means."""
    out = {}
    with store.reading() as cursor:
        for table in projection.table_names():
            rows = cursor.execute(f"SELECT * FROM {table}").fetchall()
            out[table] = sorted((tuple(sorted(row.items())) for row in rows), key=repr)
    return out


def dump_all(store: SqlStore) -> dict[str, dict[str, list[Any]]]:
    return {p.name: dump(store, p) for p in all_projections()}
