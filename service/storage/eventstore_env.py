"""The eventsourcing library's configuration, built from our settings and nothing else.

The library merges the process environment into an application's configuration, and looks up
each key under the application's name first (``INNOLEDGER_SQLITE_DBNAME`` before
``SQLITE_DBNAME``). A variable meant for something else (``POSTGRES_ENABLE_DB_FUNCTIONS``,
``PERSISTENCE_MODULE``, ``AGGREGATE_CACHE_MAXSIZE``) would then silently change how events are
stored or loaded. Our applications are configured by the mapping below instead (through
eventstore.config.closed_environment), complete, with every key the library reads set
explicitly.
"""

from __future__ import annotations

from service.settings import Settings
from service.storage.file_modes import private_directory, private_sqlite_file


def eventsourcing_env(settings: Settings) -> dict[str, str]:
    common = {
        "IS_SNAPSHOTTING_ENABLED": "y",
        "CREATE_TABLE": "y",
        "COMPRESSOR_TOPIC": "",
        "CIPHER_TOPIC": "",
        "CIPHER_KEY": "",
        "TRANSCODER_TOPIC": "",
        "MAPPER_TOPIC": "",
        # The library's cache stays off: ours is copy-on-write (eventstore/repository.py).
        "AGGREGATE_CACHE_MAXSIZE": "",
        "AGGREGATE_CACHE_FASTFORWARD": "y",
        "AGGREGATE_CACHE_FASTFORWARD_SKIPPING": "n",
        "DEEPCOPY_FROM_AGGREGATE_CACHE": "y",
        "SINGLE_ROW_TRACKING": "y",
        "ORIGINATOR_ID_TYPE": "uuid",
    }
    if settings.database == "postgres":
        pg = settings.postgres
        return {
            **common,
            "PERSISTENCE_MODULE": "eventstore.postgres_fail_fast:FailFastPostgresFactory",
            "POSTGRES_HOST": pg.host,
            "POSTGRES_PORT": str(pg.port),
            "POSTGRES_USER": pg.user,
            "POSTGRES_PASSWORD": pg.password,
            "POSTGRES_DBNAME": pg.dbname,
            "POSTGRES_SCHEMA": pg.schema,
            "POSTGRES_POOL_SIZE": str(pg.pool_size),
            "POSTGRES_MAX_OVERFLOW": "10",
            "POSTGRES_MAX_WAITING": "0",
            "POSTGRES_CONN_MAX_AGE": "3600",
            "POSTGRES_CONNECT_TIMEOUT": str(pg.connect_timeout),
            # Not a setting of the library: FailFastPostgresFactory puts it on its connections.
            "POSTGRES_TARGET_SESSION_ATTRS": pg.target_session_attrs,
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "5",
            "POSTGRES_PRE_PING": "y",
            "POSTGRES_LOCK_TIMEOUT": "5",
            # The library's insert function skips the table lock; we keep the plain insert.
            "POSTGRES_ENABLE_DB_FUNCTIONS": "n",
            "POSTGRES_GET_PASSWORD_TOPIC": "",
        }
    if settings.database == "sqlite":
        path = settings.sqlite_file
        if path.parent == settings.var_dir:
            private_directory(settings.var_dir)
        private_sqlite_file(path)
        return {
            **common,
            # The library's SQLite store, with connections that keep their compiled statements.
            "PERSISTENCE_MODULE": "eventstore.sqlite_statements:StatementCachingSQLiteFactory",
            "SQLITE_DBNAME": str(path),
            "SQLITE_LOCK_TIMEOUT": "10",
        }
    raise ValueError(f"unknown database {settings.database!r}")
