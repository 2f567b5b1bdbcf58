"""PostgreSQL given as several hosts (a primary and its standbys): every connection the service
opens — the event store's pool, a projection lease, the readiness probe — goes through libpq's
multi-host connection string and skips a host that does not answer."""

from __future__ import annotations

import dataclasses

import pytest

from eventstore.sql import SqlStore
from projections.lease import lease_for
from service.api import create_app
from service.innoledger import Innoledger
from service.settings import Settings

# Loopback, but nothing listens there: the connection is refused and libpq tries the next host.
REFUSING_HOST = "127.0.0.2"


def test_settings_read_a_host_list_and_the_session_attributes() -> None:
    settings = Settings.from_env(
        {"INNOLEDGER_DATABASE": "postgres", "POSTGRES_HOST": "db-primary,db-standby"}
    )
    assert settings.postgres.host == "db-primary,db-standby"
    assert settings.postgres.target_session_attrs == "read-write"
    other = Settings.from_env({"POSTGRES_TARGET_SESSION_ATTRS": "primary"})
    assert other.postgres.target_session_attrs == "primary"
    assert other.postgres.libpq_params()["target_session_attrs"] == "primary"


@pytest.mark.postgres
def test_a_host_that_refuses_is_skipped_by_every_connection(postgres_settings: Settings) -> None:
    pg = postgres_settings.postgres
    settings = dataclasses.replace(
        postgres_settings,
        postgres=dataclasses.replace(pg, host=f"{REFUSING_HOST},{pg.host}"),
    )
    app = create_app(settings)
    try:
        services = app.extensions["innoledger"]
        ledger: Innoledger = services.innoledger
        recorder = ledger.recorder
        kwargs = recorder.datastore.pool.kwargs  # type: ignore[attr-defined]
        assert kwargs["target_session_attrs"] == "read-write"
        with SqlStore(recorder).reading() as cursor:
            cursor.execute("SELECT 1 AS one")
        response = app.test_client().get("/readyz")
        assert response.status_code == 200, response.get_json()
        lease = lease_for(recorder, pg.schema, "multi-host-probe")
        try:
            assert lease.try_acquire()
            lease.check()
        finally:
            lease.release()
    finally:
        app.extensions["innoledger"].close()
