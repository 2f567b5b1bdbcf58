"""Shared fixtures: settings for a fresh SQLite file and a fresh PostgreSQL schema per test.

The test command starts a throwaway PostgreSQL cluster and exports INNOLEDGER_TEST_POSTGRES_*.
Without it, PostgreSQL cases are skipped locally; in CI (CI=true) they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.settings import PostgresSettings, Settings


def _postgres_base() -> PostgresSettings | None:
    host = os.environ.get("INNOLEDGER_TEST_POSTGRES_HOST")
    if not host:
        return None
    return PostgresSettings(
        host=host,
        port=int(os.environ["INNOLEDGER_TEST_POSTGRES_PORT"]),
        user=os.environ["INNOLEDGER_TEST_POSTGRES_USER"],
        password=os.environ["INNOLEDGER_TEST_POSTGRES_PASSWORD"],
        dbname=os.environ["INNOLEDGER_TEST_POSTGRES_DB"],
        pool_size=4,
    )


def require_postgres() -> PostgresSettings:
    base = _postgres_base()
    if base is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("PostgreSQL is required in CI: run the tests through `make test`")
        pytest.skip("no test PostgreSQL (run through `make test`)")
    return base


@pytest.fixture
def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(database="sqlite", var_dir=tmp_path, testing=True)


@pytest.fixture
def postgres_settings(tmp_path: Path) -> Iterator[Settings]:
    import psycopg

    base = require_postgres()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    dsn = (
        f"host={base.host} port={base.port} user={base.user} password={base.password}"
        f" dbname={base.dbname}"
    )
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    settings = Settings(
        database="postgres",
        var_dir=tmp_path,
        postgres=PostgresSettings(
            host=base.host,
            port=base.port,
            user=base.user,
            password=base.password,
            dbname=base.dbname,
            schema=schema,
            pool_size=base.pool_size,
        ),
        testing=True,
    )
    yield settings
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgres"])
def store_settings(request: pytest.FixtureRequest) -> Settings:
    """Runs a test once on SQLite and once on PostgreSQL."""
    fixture = "sqlite_settings" if request.param == "sqlite" else "postgres_settings"
    return request.getfixturevalue(fixture)
