"""Fixtures of the audit tests: an application on each store, a second empty store to import
into, direct SQL on the events table for the tamper tests, and the scenario that walks a need and
a procurement through every state."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from eventstore.sql import SqlStore
from service.innoledger import Innoledger
from service.ledger.ledger import Ledger
from service.settings import PostgresSettings, Settings
from tests.audit.scenario import Scenario, build_scenario


@pytest.fixture
def audit_settings(store_settings: Settings) -> Settings:
    # Snapshots every three events, so history and as-of cross several of them.
    return dataclasses.replace(store_settings, snapshot_interval=3)


@pytest.fixture
def app(audit_settings: Settings) -> Iterator[Innoledger]:
    application = Innoledger(audit_settings)
    try:
        yield application
    finally:
        application.close()


@pytest.fixture
def ledger(app: Innoledger) -> Ledger:
    return Ledger.of(app)


@pytest.fixture
def scenario(app: Innoledger) -> Scenario:
    return build_scenario(app)


@pytest.fixture
def empty_settings(audit_settings: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A second, empty store of the same kind (another SQLite file, or another PostgreSQL
    schema), with a signing key of its own."""
    var_dir = tmp_path / "copy"
    if audit_settings.database == "sqlite":
        yield dataclasses.replace(audit_settings, var_dir=var_dir, sqlite_path=None)
        return
    import psycopg

    pg = audit_settings.postgres
    schema = f"t_{uuid.uuid4().hex[:16]}"
    dsn = f"host={pg.host} port={pg.port} user={pg.user} password={pg.password} dbname={pg.dbname}"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    yield dataclasses.replace(
        audit_settings, var_dir=var_dir, postgres=dataclasses.replace(pg, schema=schema)
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


def cli_environment(settings: Settings) -> dict[str, str]:
    """The environment `Settings.from_env()` turns back into these settings."""
    env = {
        "INNOLEDGER_DATABASE": settings.database,
        "INNOLEDGER_VAR_DIR": str(settings.var_dir),
        "INNOLEDGER_SNAPSHOT_INTERVAL": str(settings.snapshot_interval),
    }
    if settings.database == "postgres":
        pg: PostgresSettings = settings.postgres
        env.update(
            POSTGRES_HOST=pg.host,
            POSTGRES_PORT=str(pg.port),
            POSTGRES_USER=pg.user,
            POSTGRES_PASSWORD=pg.password,
            POSTGRES_DBNAME=pg.dbname,
            POSTGRES_SCHEMA=pg.schema,
        )
    return env


class EventsTable:
    """Direct SQL on the stored events, as an attacker with database access would use it."""

    def __init__(self, app: Innoledger):
        self.store = SqlStore(app.recorder)
        self.table = app.recorder.events_table_name  # type: ignore[attr-defined]
        self.id = "notification_id" if self.store.is_postgres else "rowid"

    def key(self, originator_id: uuid.UUID) -> Any:
        return originator_id if self.store.is_postgres else originator_id.hex

    def rows(self) -> list[dict[str, Any]]:
        with self.store.reading() as c:
            rows = c.execute(
                f"SELECT {self.id} AS position, originator_id, originator_version, topic, state"
                f" FROM {self.table} ORDER BY {self.id}"
            ).fetchall()
        for row in rows:
            row["state"] = bytes(row["state"])
            row["originator_id"] = uuid.UUID(str(row["originator_id"]))
        return rows

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        with self.store.transaction() as c:
            c.execute(sql, params)


@pytest.fixture
def events_table(app: Innoledger) -> EventsTable:
    return EventsTable(app)
