"""The two databases, fresh stores in them, and the large generated stores, cached.

Large stores are generated once per size by `bench.network_generator.NetworkGenerator` (a
synthetic network of municipalities, needs and procurements walked through the real domain model,
many aggregates per `app.save()` call) into an SQLite file under `var/bench-cache/`, keyed by the
size and a fingerprint of everything that shapes the stored events (this module's schema version,
the eventsourcing version, the domain package and the generator). A benchmark never writes to a
cached file: SQLite stores are copies of it, PostgreSQL stores are bulk-loaded from it through the
application's recorders (`insert_events` of the stored events, 5 000 per call), into a fresh
schema each.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any
from uuid import UUID

from bench import BENCH_SCHEMA_VERSION
from service.settings import PostgresSettings, Settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CACHE_DIR = PROJECT_ROOT / "var" / "bench-cache"
COPY_BATCH = 5000
Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


# Stores


@dataclass
class Store:
    """One event store the benchmark may write to (a copy, a fresh schema, a fresh file)."""

    database: str
    label: str
    settings: Settings
    var_dir: Path
    events: int = 0
    _drop: Callable[[], None] | None = field(default=None, repr=False)

    def open(self) -> Any:
        from service.innoledger import Innoledger

        return Innoledger(self.settings)

    def env(self) -> dict[str, str]:
        """The environment that makes `Settings.from_env()` (gunicorn workers) open this store."""
        env = {"INNOLEDGER_DATABASE": self.database, "INNOLEDGER_VAR_DIR": str(self.var_dir)}
        if self.database == "sqlite":
            env["INNOLEDGER_SQLITE_PATH"] = str(self.settings.sqlite_file)
        else:
            pg = self.settings.postgres
            env.update(
                POSTGRES_HOST=pg.host,
                POSTGRES_PORT=str(pg.port),
                POSTGRES_USER=pg.user,
                POSTGRES_PASSWORD=pg.password,
                POSTGRES_DBNAME=pg.dbname,
                POSTGRES_SCHEMA=pg.schema,
                POSTGRES_POOL_SIZE=str(pg.pool_size),
            )
        return env

    def drop(self) -> None:
        if self._drop is not None:
            self._drop()
            self._drop = None


class Database(ABC):
    name = ""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.available = True
        self.reason = ""
        self._stores: list[Store] = []

    def _new_dir(self, label: str) -> Path:
        path = Path(tempfile.mkdtemp(prefix=f"{label}-", dir=self.workdir))
        return path

    @abstractmethod
    def fresh(self, label: str) -> Store:
        """An empty store of its own."""

    @abstractmethod
    def copy_of(self, cache_file: Path, label: str, progress: Progress = _quiet) -> Store:
        """A store holding the events of a cached generated network."""

    @abstractmethod
    def server_version(self) -> str:
        """The database software and version, for the report."""

    @abstractmethod
    def sqlalchemy_url(self, store: Store) -> str:
        """The URL the CRUD comparison connects to this store with."""

    def server_pids(self) -> list[int]:
        """The database server's process (its postmaster; the backends are its children), for
        the CPU time per operation; none for an embedded database."""
        return []

    def close(self) -> None:
        for store in reversed(self._stores):
            try:
                store.drop()
            except Exception as exc:  # a failed cleanup must not hide the results
                print(f"bench: could not drop {store.label}: {exc}")
        self._stores.clear()


class SqliteDatabase(Database):
    name = "sqlite"

    def fresh(self, label: str) -> Store:
        directory = self._new_dir(label)
        settings = Settings(database="sqlite", var_dir=directory)
        store = Store("sqlite", label, settings, directory, 0, lambda: shutil.rmtree(directory))
        self._stores.append(store)
        return store

    def copy_of(self, cache_file: Path, label: str, progress: Progress = _quiet) -> Store:
        store = self.fresh(label)
        progress(f"copying {cache_file.name} for {label}")
        shutil.copyfile(cache_file, store.settings.sqlite_file)
        store.events = head_of_file(cache_file)
        return store

    def server_version(self) -> str:
        return sqlite3.sqlite_version

    def sqlalchemy_url(self, store: Store) -> str:
        return f"sqlite:///{store.var_dir / 'crud.sqlite3'}"


def _postgres_base() -> tuple[PostgresSettings | None, str]:
    """The test cluster of scripts/with-test-postgres, else POSTGRES_* as the service reads them."""
    env = os.environ
    if env.get("INNOLEDGER_TEST_POSTGRES_HOST"):
        return (
            PostgresSettings(
                host=env["INNOLEDGER_TEST_POSTGRES_HOST"],
                port=int(env["INNOLEDGER_TEST_POSTGRES_PORT"]),
                user=env["INNOLEDGER_TEST_POSTGRES_USER"],
                password=env["INNOLEDGER_TEST_POSTGRES_PASSWORD"],
                dbname=env["INNOLEDGER_TEST_POSTGRES_DB"],
                pool_size=8,
            ),
            "throwaway test cluster",
        )
    if env.get("POSTGRES_HOST"):
        pg = Settings.from_env().postgres
        return replace(pg, schema="", pool_size=max(pg.pool_size, 8)), "POSTGRES_* settings"
    return None, "PostgreSQL not available (no INNOLEDGER_TEST_POSTGRES_* or POSTGRES_HOST)"


def postgres_configured() -> bool:
    return _postgres_base()[0] is not None


class PostgresDatabase(Database):
    name = "postgres"

    def __init__(self, workdir: Path):
        super().__init__(workdir)
        base, why = _postgres_base()
        self.base = base
        self.source = why
        if base is None:
            self.available = False
            self.reason = "PostgreSQL not available"
            return
        try:
            with self._connect() as conn:
                conn.execute("SELECT 1")
        except Exception as exc:
            self.available = False
            self.reason = f"PostgreSQL not reachable: {type(exc).__name__}"

    @staticmethod
    def _dsn(pg: PostgresSettings) -> str:
        return (
            f"host={pg.host} port={pg.port} user={pg.user} password={pg.password}"
            f" dbname={pg.dbname}"
        )

    def _connect(self, pg: PostgresSettings | None = None) -> Any:
        import psycopg

        target = pg or self.base
        assert target is not None
        return psycopg.connect(self._dsn(target), autocommit=True, connect_timeout=5)

    def fresh(self, label: str) -> Store:
        """A database of its own (the public schema, as a default deployment has it), or a
        schema of its own where the role may not create databases."""
        import psycopg

        assert self.base is not None
        name = f"bench_{uuid.uuid4().hex[:12]}"
        directory = self._new_dir(label)
        try:
            with self._connect() as conn:
                conn.execute(f"CREATE DATABASE {name}")
            pg = replace(self.base, dbname=name, schema="")
            statement = f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"
        except psycopg.errors.InsufficientPrivilege:
            with self._connect() as conn:
                conn.execute(f"CREATE SCHEMA {name}")
            pg = replace(self.base, schema=name)
            statement = f"DROP SCHEMA IF EXISTS {name} CASCADE"
        settings = Settings(database="postgres", var_dir=directory, postgres=pg)

        def drop() -> None:
            shutil.rmtree(directory, ignore_errors=True)
            for attempt in range(10):
                try:
                    with self._connect() as conn:
                        conn.execute(statement)
                    return
                except psycopg.errors.InsufficientPrivilege:
                    # FORCE may not end an autovacuum worker busy in the database: wait.
                    if attempt == 9:
                        raise
                    time.sleep(1.0)

        store = Store("postgres", label, settings, directory, 0, drop)
        self._stores.append(store)
        return store

    def copy_of(self, cache_file: Path, label: str, progress: Progress = _quiet) -> Store:
        store = self.fresh(label)
        progress(f"loading {cache_file.name} into PostgreSQL for {label}")
        started = time.perf_counter()
        store.events = bulk_load(cache_file, store)
        schema = store.settings.postgres.schema or "public"
        with self._connect(store.settings.postgres) as conn:
            conn.execute(f"ANALYZE {schema}.innoledger_events")
            conn.execute(f"ANALYZE {schema}.innoledger_snapshots")
        progress(f"  {store.events:,} events in {time.perf_counter() - started:.1f} s")
        return store

    def server_pids(self) -> list[int]:
        """The cluster's postmaster (its backends are its children), when it runs on this
        machine: the parent of a session's own backend. `data_directory` (and so
        postmaster.pid) is closed to a role without `pg_read_all_settings`, as the test
        cluster's is; a session's backend pid is not."""
        from bench.cputime import command_of, parent_of

        assert self.base is not None
        host = self.base.host or ""
        if host not in ("", "localhost", "127.0.0.1", "::1") and not host.startswith("/"):
            return []  # its pid would name a process of another machine
        try:
            with self._connect() as conn:
                row = conn.execute("SELECT pg_backend_pid()").fetchone()
                # Read while the backend lives: it ends with the connection.
                backend = int(row[0])
                postmaster = parent_of(backend)
                commands = [command_of(backend), command_of(postmaster or 0)]
        except Exception:
            return []
        if postmaster is None or not all(
            (command or "").startswith(("postgres", "postmaster")) for command in commands
        ):
            return []  # not this machine's cluster after all (a container, a forwarded port)
        return [postmaster]

    def server_version(self) -> str:
        with self._connect() as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    def sqlalchemy_url(self, store: Store) -> str:
        pg = store.settings.postgres
        url = f"postgresql+psycopg://{pg.user}:{pg.password}@{pg.host}:{pg.port}/{pg.dbname}"
        return url + (f"?options=-csearch_path%3D{pg.schema}" if pg.schema else "")


def databases(names: list[str], workdir: Path) -> list[Database]:
    found: list[Database] = []
    for name in names:
        found.append(SqliteDatabase(workdir) if name == "sqlite" else PostgresDatabase(workdir))
    return found


# Copying a cached store into PostgreSQL


def _stored_events(conn: sqlite3.Connection, table: str, order: str) -> Iterator[list[Any]]:
    from eventsourcing.persistence import StoredEvent

    cursor = conn.execute(
        f"SELECT originator_id, originator_version, topic, state FROM {table} ORDER BY {order}"
    )
    while True:
        rows = cursor.fetchmany(COPY_BATCH)
        if not rows:
            return
        yield [
            StoredEvent(
                originator_id=UUID(str(r[0])), originator_version=r[1], topic=r[2], state=r[3]
            )
            for r in rows
        ]


def bulk_load(cache_file: Path, store: Store) -> int:
    """Inserts every stored event and snapshot of `cache_file` through the store's recorders,
    in log order, a batch per call; returns the number of events."""
    app = store.open()
    source = sqlite3.connect(f"file:{cache_file}?mode=ro", uri=True)
    count = 0
    try:
        for batch in _stored_events(source, "stored_events", "rowid"):
            app.recorder.insert_events(batch)
            count += len(batch)
        if app.snapshots is not None:
            for batch in _stored_events(
                source, "stored_snapshots", "originator_id, originator_version"
            ):
                app.snapshots.recorder.insert_events(batch)
    finally:
        source.close()
        app.close()
    return count


def head_of_file(path: Path) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT MAX(rowid) FROM stored_events").fetchone()
    finally:
        conn.close()
    return int(row[0] or 0)


# The cache of generated stores


def fingerprint() -> str:
    """Changes whenever the stored form of generated events could change."""
    digest = hashlib.sha256(f"bench-schema-{BENCH_SCHEMA_VERSION}".encode())
    with suppress(metadata.PackageNotFoundError):
        digest.update(metadata.version("eventsourcing").encode())
    sources = sorted((PROJECT_ROOT / "domain").rglob("*.py"))
    sources += sorted((PROJECT_ROOT / "domain").rglob("*.json"))
    sources.append(PROJECT_ROOT / "bench" / "network_generator.py")
    for source in sources:
        if source.exists():
            digest.update(source.relative_to(PROJECT_ROOT).as_posix().encode())
            digest.update(source.read_bytes())
    return digest.hexdigest()[:12]


def cached_network(events: int, progress: Progress = _quiet) -> Path:
    """The cached SQLite file of a generated network of at least `events` events."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    key = fingerprint()
    path = CACHE_DIR / f"network-{events}-{key}.sqlite3"
    if path.exists():
        return path
    for stale in CACHE_DIR.glob(f"network-{events}-*.sqlite3"):
        stale.unlink(missing_ok=True)
    progress(
        f"generating a network of {events:,} events (cached in {path.relative_to(PROJECT_ROOT)})"
    )
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="generate-", dir=CACHE_DIR) as tmp:
        partial = Path(tmp) / "network.sqlite3"
        head = generate_network(partial, events, Path(tmp), progress)
        conn = sqlite3.connect(partial)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.execute("PRAGMA journal_mode=DELETE")
        finally:
            conn.close()
        os.replace(partial, path)
    progress(f"  {head:,} events in {time.perf_counter() - started:.1f} s")
    return path


def generate_network(path: Path, events: int, var_dir: Path, progress: Progress = _quiet) -> int:
    from bench.network_generator import NetworkGenerator
    from service.innoledger import Innoledger

    app = Innoledger(Settings(database="sqlite", sqlite_path=path, var_dir=var_dir))
    try:
        generator = NetworkGenerator(app)
        step = max(events // 10, 1)
        head = 0
        target = min(step, events)
        while head < events:
            head = generator.fill(target)
            if events >= 100_000:
                progress(f"  {head:,} / {events:,} events")
            target = min(target + step, events)
        return head
    finally:
        app.close()


def _remove_abandoned_runs() -> None:
    """Scratch directories of runs whose process is gone (killed before it could clean up)."""
    for path in CACHE_DIR.glob("run-*-*"):
        pid = path.name.split("-")[1]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(path, ignore_errors=True)


@contextmanager
def workdir() -> Iterator[Path]:
    """A scratch directory for the run's stores (SQLite copies, keys), removed afterwards."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    if Path("/proc").is_dir():
        _remove_abandoned_runs()
    path = Path(tempfile.mkdtemp(prefix=f"run-{os.getpid()}-", dir=CACHE_DIR))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# Settings across process boundaries (child processes get them as JSON)


def settings_to_json(settings: Settings) -> dict[str, Any]:
    pg = settings.postgres
    return {
        "database": settings.database,
        "var_dir": str(settings.var_dir),
        "sqlite_path": None if settings.sqlite_path is None else str(settings.sqlite_path),
        "postgres": {
            "host": pg.host, "port": pg.port, "user": pg.user, "password": pg.password,
            "dbname": pg.dbname, "schema": pg.schema, "pool_size": pg.pool_size,
        },
    }  # fmt: skip


def settings_from_json(data: dict[str, Any]) -> Settings:
    return Settings(
        database=data["database"],
        var_dir=Path(data["var_dir"]),
        sqlite_path=None if data["sqlite_path"] is None else Path(data["sqlite_path"]),
        postgres=PostgresSettings(**data["postgres"]),
    )
