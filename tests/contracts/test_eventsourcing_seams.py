"""Contracts of the seam to the eventsourcing library (eventstore/): each test names one point
where Innoledger relies on the library's behaviour or internals, so that a library release that
changes it fails here, first in `make test`, with the seam's name, instead of somewhere deep in
the suite (or, worse, silently). They run on the pinned version (pyproject.toml)."""

from __future__ import annotations

import copy
import inspect
import re
import sqlite3
from importlib.metadata import version
from pathlib import Path
from typing import Any
from uuid import uuid4

import pytest
from eventsourcing.application import Application, ProcessingEvent, Repository
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from eventsourcing.utils import Environment
from psycopg_pool import ConnectionPool

from eventstore.config import closed_environment
from eventstore.connections import (
    answers_within,
    connect_beside_pool,
    is_postgres,
    listen_for_saves,
    postgres_params,
    sqlite_db_name,
)
from eventstore.postgres_fail_fast import ATTEMPTS, FailFastApplicationRecorder
from eventstore.postgres_liveness import SERVER_SIDE, TCP_USER_TIMEOUT_MS
from eventstore.postgres_schema_lock import SerialisedTableCreation
from eventstore.saving import SavesAggregates
from eventstore.sql import SqlStore

ROOT = Path(__file__).resolve().parents[2]


class Dog(Aggregate):
    @event("Registered")
    def __init__(self, name: str) -> None:
        self.name = name

    @event("Renamed")
    def rename(self, name: str) -> None:
        self.name = name


def test_pin_the_installed_library_is_the_exact_version_pinned() -> None:
    pyproject = (ROOT / "pyproject.toml").read_text()
    pinned = re.search(r'"eventsourcing\[postgres\]==([0-9.]+)"', pyproject)
    assert pinned, "seam 'pin': pyproject.toml must pin eventsourcing to one exact version"
    assert version("eventsourcing") == pinned.group(1), "seam 'pin': another version is installed"


def test_configuration_construct_env_decides_what_configures_the_store(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Seam 'configuration': Application.__init__ takes its configuration from construct_env,
    and an Environment looks a key up under the application's name first."""
    monkeypatch.setenv("PERSISTENCE_MODULE", "eventsourcing.popo")
    monkeypatch.setenv("DOGS_SQLITE_DBNAME", str(tmp_path / "leaked.sqlite3"))
    wanted = str(tmp_path / "settings.sqlite3")

    class Dogs(Application[Any]):
        def construct_env(self, name: str, env: Any = None) -> Environment:
            return closed_environment(name, env or {})

    app = Dogs(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": wanted})
    assert isinstance(app.recorder, SQLiteApplicationRecorder), "seam 'configuration'"
    app.save(Dog("Fido"))
    assert Path(wanted).exists() and not (tmp_path / "leaked.sqlite3").exists()
    assert Environment("DOGS", {"DOGS_X": "a", "X": "b"}).get("X") == "a"


def test_repository_our_repository_plugs_in_and_loads_with_our_projector() -> None:
    """Seam 'repository': construct_repository builds the application's repository, and
    Repository._reconstruct_aggregate(aggregate_id, version, projector_func) replays from the
    snapshot and event stores with the projector it is given."""
    parameters = list(inspect.signature(Repository._reconstruct_aggregate).parameters)
    assert parameters == ["self", "aggregate_id", "version", "projector_func"], "seam 'repository'"
    get = inspect.signature(Repository.get).parameters
    assert {"version", "projector_func", "deepcopy_from_cache"} <= set(get), "seam 'repository'"
    used: list[int] = []

    def projector(aggregate: Any, events: Any) -> Any:
        for e in events:
            used.append(e.originator_version)
            aggregate = e.mutate(aggregate)
        return aggregate

    class Dogs(Application[Any]):
        def construct_repository(self) -> Repository[Any]:
            return Repository(self.events, snapshot_store=self.snapshots, cache_maxsize=None)

    app = Dogs(env={"PERSISTENCE_MODULE": "eventsourcing.popo"})
    dog = Dog("Fido")
    dog.rename("Rex")
    app.save(dog)
    assert app.repository.cache is None, "seam 'repository': the library's cache must stay off"
    loaded = app.repository._reconstruct_aggregate(dog.id, None, projector)
    assert loaded.name == "Rex" and used == [1, 2], "seam 'repository'"


def test_save_the_steps_our_save_calls_are_there() -> None:
    """Seam 'save': SavesAggregates.save fills a ProcessingEvent itself and calls _record,
    _take_snapshots and _notify."""
    processing = ProcessingEvent[Any]()
    assert processing.events == [] and processing.aggregates == {}, "seam 'save'"
    assert processing.saved_kwargs == {}, "seam 'save'"
    for name in ("_record", "_take_snapshots", "_notify"):
        assert list(inspect.signature(getattr(Application, name)).parameters)[:2] in (
            ["self", "processing_event"],
            ["self", "recordings"],
        ), f"seam 'save': Application.{name}"


def test_save_ours_stores_snapshots_and_notifies_what_the_library_save_does(
    tmp_path: Path,
) -> None:
    """Seam 'save': the same aggregates saved by SavesAggregates and by the library's own save
    give the same stored events (in the log, in order), the same snapshots and the same
    recordings."""

    def app_on(name: str, cls: type[Application[Any]]) -> Application[Any]:
        class Dogs(cls):  # type: ignore[valid-type,misc]
            snapshotting_intervals = {Dog: 2}

        return Dogs(env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                         "SQLITE_DBNAME": str(tmp_path / f"{name}.sqlite3")})  # fmt: skip

    ours, library = app_on("ours", SavesAggregates), app_on("library", Application)
    fido, rex = Dog("Fido"), Dog("Rex")
    fido.rename("Fido II")
    rex.rename("Rex II")
    rex.rename("Rex III")
    saved = {}
    for app in (ours, library):
        saved[app] = app.save(copy.deepcopy(fido), copy.deepcopy(rex))

    def stored(app: Application[Any]) -> list[tuple[Any, ...]]:
        return [
            (n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in app.recorder.select_notifications(start=1, limit=100)
        ]

    assert stored(ours) == stored(library), "seam 'save': other events stored"
    assert [(r.notification.id, r.domain_event.originator_version) for r in saved[ours]] == [
        (r.notification.id, r.domain_event.originator_version) for r in saved[library]
    ], "seam 'save': other recordings"
    def snapshots(app: Application[Any], dog: Dog) -> list[tuple[int, bytes]]:
        assert app.snapshots is not None
        return [(e.originator_version, e.state) for e in app.snapshots.get(dog.id)]

    assert snapshots(ours, fido), "seam 'save': no snapshot taken"
    for dog in (fido, rex):
        assert snapshots(ours, dog) == snapshots(library, dog), "seam 'save': other snapshots"
    assert ours.repository.get(rex.id).name == "Rex III"


def test_connections_the_store_says_where_it_lives_and_answers(tmp_path: Path) -> None:
    """Seam 'connections': a SQLite datastore's pool names its database file (the projection
    lease sits beside it) and answers a query through the datastore."""
    name = str(tmp_path / "c.sqlite3")
    app = Application[Any](env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                                "SQLITE_DBNAME": name})  # fmt: skip
    assert not is_postgres(app.recorder), "seam 'connections'"
    assert sqlite_db_name(app.recorder) == name, "seam 'connections': the pool's db_name"
    answers_within(app.recorder, 2)


def session_liveness(cursor: Any) -> dict[str, int]:
    """The session's silent-peer settings, in their base units (seconds, milliseconds)."""
    values = {}
    for name in SERVER_SIDE:
        row = cursor.execute(f"SELECT setting FROM pg_settings WHERE name = '{name}'").fetchone()
        values[name] = int(dict(row)["setting"])
    return values


@pytest.mark.postgres
def test_connections_beside_the_pool_reach_the_same_database(postgres_settings: Any) -> None:
    """Seam 'connections': the PostgreSQL datastore builds its pool from a dict of libpq
    parameters (with the fail-fast factory's libpq options added), so a connection of our own
    made from them reaches the store's database; and the recorder NOTIFYs its channel on each
    save, which a LISTEN there hears."""
    from service.innoledger import Innoledger

    app = Innoledger(postgres_settings)
    try:
        params = postgres_params(app.recorder)
        pg = postgres_settings.postgres
        assert {k: params[k] for k in ("host", "port", "user", "dbname")} == {
            "host": pg.host, "port": str(pg.port), "user": pg.user, "dbname": pg.dbname
        }, "seam 'connections': the pool's kwargs"
        assert params["target_session_attrs"] == pg.target_session_attrs, "seam 'connections'"
        assert sqlite_db_name(app.recorder) is None and is_postgres(app.recorder)
        answers_within(app.recorder, 2)
        with connect_beside_pool(app.recorder, autocommit=True, connect_timeout=2) as own:
            # Both ends of every connection, pooled or not, give up on a silent peer.
            with SqlStore(app.recorder).reading() as pooled:
                assert session_liveness(pooled) == SERVER_SIDE, "seam 'connections': pool"
            assert session_liveness(own) == SERVER_SIDE, "seam 'connections': beside the pool"
            assert own.info.get_parameters()["tcp_user_timeout"] == str(TCP_USER_TIMEOUT_MS)
            listen_for_saves(own, app.recorder)
            app.save(Dog("Fido"))
            heard = list(own.notifies(timeout=5, stop_after=1))
            assert heard, "seam 'connections': no NOTIFY on the recorder's channel after a save"
    finally:
        app.close()


def test_timestamps_an_event_keeps_the_timestamp_it_is_given() -> None:
    """Seam 'event clock': trigger_event and _create use a `timestamp` keyword when given."""
    from datetime import UTC, datetime

    class Cat(Aggregate):
        @event("Registered")
        def __init__(self) -> None:
            pass

        @event("Fed")
        def feed(self) -> None:
            pass

    moment = datetime(2020, 1, 1, tzinfo=UTC)
    cat = Cat._create(Cat.Registered, id=uuid4(), timestamp=moment)
    cat.trigger_event(Cat.Fed, timestamp=moment)
    assert [e.timestamp for e in cat.collect_events()] == [moment, moment], "seam 'event clock'"


def test_retries_fail_fast_recorder_tries_each_read_exactly_twice() -> None:
    """Seam 'retries': the library wraps recorder methods in utils.retry (with __wrapped__);
    we re-wrap them with ATTEMPTS attempts."""
    wrapped = [
        name for name in ("insert_events", "select_notifications", "max_notification_id")
        if hasattr(getattr(PostgresApplicationRecorder, name), "__wrapped__")
    ]
    assert wrapped == ["insert_events", "select_notifications", "max_notification_id"], (
        "seam 'retries': the library no longer wraps its recorder methods in retry()"
    )

    class Unreachable:
        calls = 0

        def get_connection(self) -> Any:
            Unreachable.calls += 1
            raise OperationalError("the database is away")

    recorder = object.__new__(FailFastApplicationRecorder)
    recorder.datastore = Unreachable()  # type: ignore[assignment]
    recorder.max_notification_id_statement = None  # type: ignore[assignment]
    with pytest.raises((OperationalError, InterfaceError)):
        recorder.max_notification_id()
    assert Unreachable.calls == ATTEMPTS == 2, "seam 'retries'"


def test_schema_lock_replaces_create_table_of_every_postgres_recorder() -> None:
    """Seam 'schema lock': the library creates its tables in PostgresRecorder.create_table from
    sql_create_statements; our serialised version takes its place for our recorders."""
    assert "create_table" in vars(PostgresRecorder), "seam 'schema lock'"
    source = inspect.getsource(PostgresRecorder.__init__)
    assert "sql_create_statements" in source, "seam 'schema lock'"
    assert FailFastApplicationRecorder.create_table is SerialisedTableCreation.create_table
    # Our version runs every create statement; the library's has no other step (a migration
    # step would show here as another method called from create_table).
    library_source = inspect.getsource(PostgresRecorder.create_table)
    library_steps = set(re.findall(r"self\.(\w+)\(", library_source))
    assert library_steps <= {"_create_table"}, f"seam 'schema lock': new steps {library_steps}"


def test_idle_ping_pool_keeps_reset_and_check_hooks() -> None:
    """Seam 'idle ping': psycopg_pool calls pool._check before handing out a connection and
    pool._reset when it comes back."""
    source = inspect.getsource(ConnectionPool)
    assert "self._check(conn)" in source and "self._reset(conn)" in source, "seam 'idle ping'"
    assert callable(ConnectionPool.check_connection), "seam 'idle ping'"


def test_events_table_sqlite_layout(tmp_path: Path) -> None:
    """Seam 'events table': SQLite keeps events in `stored_events`, the rowid is the
    notification id, originator ids as 32 hex digits (read directly in eventstore/)."""
    app = Application[Any](
        env={"PERSISTENCE_MODULE": "eventsourcing.sqlite",
             "SQLITE_DBNAME": str(tmp_path / "e.sqlite3")}
    )
    dog = Dog("Fido")
    recordings = app.save(dog)
    assert getattr(app.recorder, "events_table_name") == "stored_events"  # noqa: B009
    with sqlite3.connect(tmp_path / "e.sqlite3") as conn:
        row = conn.execute(
            "SELECT rowid, originator_id, originator_version, topic FROM stored_events"
        ).fetchone()
    assert row[0] == recordings[0].notification.id, "seam 'events table'"
    assert row[1] == dog.id.hex and row[2] == 1, "seam 'events table'"
    parameters = inspect.signature(app.recorder.select_notifications).parameters
    assert {"start", "limit", "stop", "topics", "inclusive_of_start"} <= set(parameters)


@pytest.mark.postgres
def test_events_table_postgres_layout_and_write_lock(postgres_settings: Any) -> None:
    """Seam 'events table' and 'safe head': PostgreSQL keeps events in `<app>_events` with a
    notification_id column; an insert holds ROW EXCLUSIVE on it until its transaction ends."""
    import psycopg

    from eventstore.log_head import LogHead
    from eventstore.sql import SqlStore
    from service.innoledger import Innoledger

    app = Innoledger(postgres_settings)
    try:
        pg = postgres_settings.postgres
        table = getattr(app.recorder, "events_table_name")  # noqa: B009
        assert table == "innoledger_events", "seam 'events table'"
        head = LogHead(SqlStore(app.recorder), table)
        dsn = dict(host=pg.host, port=pg.port, user=pg.user, password=pg.password,
                   dbname=pg.dbname)
        insert = (f'INSERT INTO "{pg.schema}"."{table}" (originator_id, originator_version,'
                  " topic, state) VALUES (%s, 1, 't', '') RETURNING notification_id")
        with psycopg.connect(**dsn, autocommit=True) as committing, psycopg.connect(**dsn) as held:
            first = committing.execute(insert, (uuid4(),)).fetchone()[0]  # type: ignore[index]
            assert head.safe() == first, "seam 'safe head': no insert in flight"
            open_one = held.execute(insert, (uuid4(),)).fetchone()[0]  # type: ignore[index]
            last = committing.execute(insert, (uuid4(),)).fetchone()[0]  # type: ignore[index]
            assert first < open_one < last, "seam 'events table': positions from a sequence"
            assert head.safe() == first, "seam 'safe head': an open insert holds it back"
            held.rollback()
            assert head.safe() == last, "seam 'safe head'"
    finally:
        app.close()


def test_sqlite_connections_ours_are_the_librarys_with_a_statement_cache(tmp_path: Path) -> None:
    """Seam 'SQLite connections': eventstore.sqlite_statements opens its connections as the
    library's pool does (it copies the library's `_create_connection` for the one argument it
    changes, the statement cache) and swaps the library's pool for one with the same limits."""
    from eventsourcing.sqlite import SQLiteConnectionPool

    from eventstore.sqlite_statements import StatementCachingPool, StatementCachingSQLiteFactory

    def describe(app: Application[Any]) -> dict[str, Any]:
        pool = app.recorder.datastore.pool  # type: ignore[attr-defined]
        connection = pool.get_connection()
        try:
            raw = connection._sqlite_conn
            with connection.transaction(commit=False) as cursor:
                cursor.execute("PRAGMA journal_mode")
                journal = cursor.fetchone()[0]
                cursor.execute("PRAGMA busy_timeout")
                busy = cursor.fetchone()[0]
            return {
                "isolation_level": raw.isolation_level,
                "row_factory": raw.row_factory,
                "journal_mode": journal,
                "busy_timeout": busy,
                "limits": (pool.pool_size, pool.max_overflow, pool.pool_timeout,
                           pool.max_age, pool.pre_ping, pool.lock_timeout),
            }  # fmt: skip
        finally:
            pool.put_connection(connection)

    def application(module: str, name: str) -> Application[Any]:
        return Application[Any](
            env={
                "PERSISTENCE_MODULE": module,
                "SQLITE_DBNAME": str(tmp_path / name),
                "SQLITE_LOCK_TIMEOUT": "7",
            }
        )

    library = application("eventsourcing.sqlite", "library.sqlite3")
    factory = StatementCachingSQLiteFactory
    ours = application(f"{factory.__module__}:{factory.__name__}", "ours.sqlite3")
    assert type(library.recorder.datastore.pool) is SQLiteConnectionPool  # type: ignore[attr-defined]
    assert isinstance(ours.recorder.datastore.pool, StatementCachingPool)  # type: ignore[attr-defined]
    assert describe(ours) == describe(library), "seam 'SQLite connections'"
    library.close()
    ours.close()
