"""Translates our settings into the environment the eventsourcing library is configured by."""

from __future__ import annotations

from service.settings import Settings


def eventsourcing_env(settings: Settings) -> dict[str, str]:
    if settings.database == "postgres":
        pg = settings.postgres
        env = {
            "PERSISTENCE_MODULE": "service.storage.postgres_fail_fast:FailFastPostgresFactory",
            "POSTGRES_HOST": pg.host,
            "POSTGRES_PORT": str(pg.port),
            "POSTGRES_USER": pg.user,
            "POSTGRES_PASSWORD": pg.password,
            "POSTGRES_DBNAME": pg.dbname,
            "POSTGRES_POOL_SIZE": str(pg.pool_size),
            "POSTGRES_CONNECT_TIMEOUT": str(pg.connect_timeout),
            # Not a setting of the library: FailFastPostgresFactory puts it on its connections.
            "POSTGRES_TARGET_SESSION_ATTRS": pg.target_session_attrs,
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_LOCK_TIMEOUT": "5",
        }
        if pg.schema:
            env["POSTGRES_SCHEMA"] = pg.schema
        return env
    if settings.database == "sqlite":
        path = settings.sqlite_file
        path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventsourcing.sqlite",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    raise ValueError(f"unknown database {settings.database!r}")
