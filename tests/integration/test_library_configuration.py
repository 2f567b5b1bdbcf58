"""The event store is configured by our settings alone: variables in the process environment
that the eventsourcing library would read (under its own names or the application's prefix)
change nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import identify_need, setup_tenant


def leaked_environment(elsewhere: Path) -> dict[str, str]:
    return {
        "PERSISTENCE_MODULE": "eventsourcing.popo",
        "INNOLEDGER_PERSISTENCE_MODULE": "eventsourcing.popo",
        "SQLITE_DBNAME": str(elsewhere / "other.sqlite3"),
        "INNOLEDGER_SQLITE_DBNAME": str(elsewhere / "prefixed.sqlite3"),
        "POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        "INNOLEDGER_POSTGRES_ENABLE_DB_FUNCTIONS": "y",
        "POSTGRES_SCHEMA": "elsewhere",
        "POSTGRES_LOCK_TIMEOUT": "0",
        "AGGREGATE_CACHE_MAXSIZE": "0",
        "INNOLEDGER_AGGREGATE_CACHE_MAXSIZE": "0",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "n",
        "IS_SNAPSHOTTING_ENABLED": "n",
        "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor",
        "CREATE_TABLE": "n",
    }


def test_the_environment_does_not_reach_the_event_store(
    store_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for key, value in leaked_environment(elsewhere).items():
        monkeypatch.setenv(key, value)

    app = Innoledger(store_settings)
    try:
        tenant = setup_tenant(app)
        need_id = identify_need(app, tenant)
        for key, leaked in leaked_environment(elsewhere).items():
            assert app.env.get(key) != leaked, key
        if store_settings.database == "postgres":
            assert app.recorder.datastore.enable_db_functions is False  # type: ignore[attr-defined]
            assert app.recorder.datastore.schema == store_settings.postgres.schema  # type: ignore[attr-defined]
    finally:
        app.close()
    assert list(elsewhere.iterdir()) == []

    # What was saved is in the store the settings name, readable without the environment.
    for key in leaked_environment(elsewhere):
        monkeypatch.delenv(key)
    again = Innoledger(store_settings)
    try:
        assert str(again.need(tenant.officer, need_id).id) == need_id
    finally:
        again.close()
