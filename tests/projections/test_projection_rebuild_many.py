"""Rebuilding all views in one pass over the log: the same rows as one view at a time and as
following the log, late events included, and a crash in one view's batch leaves nothing live
touched."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from click.testing import CliRunner

from bench.network_generator import NetworkGenerator
from eventstore.sql import Cursor, SqlStore
from projections import queries, tracking
from projections.base import ProjectedEvent, Projection
from projections.db import POSTGRES, Table, dialect, table_exists
from projections.lease import lease_for
from projections.rebuild import RebuildInProgress, RebuildProgress, rebuild, rebuild_many
from projections.registry import all_projections
from projections.runner import head_position
from projections.topics import NEED_SHARED
from projections.views.decision_log import DecisionLog
from projections.views.network_needs import NetworkNeeds
from service.cli import projections as cli
from service.innoledger import Innoledger
from service.settings import Settings
from tests.projections.conftest import dump_all, sync
from tests.projections.scenario import Scenario


def _tracking(store: SqlStore) -> dict[str, int]:
    with store.reading() as cursor:
        return {row.name: row.position for row in tracking.read_all(cursor)}


def _rebuild_tables(store: SqlStore) -> list[str]:
    """Tables a rebuild created and has not swapped in (or dropped) yet."""
    with store.reading() as cursor:
        if dialect(cursor) == POSTGRES:
            rows = cursor.execute(
                "SELECT tablename AS name FROM pg_catalog.pg_tables"
                " WHERE schemaname = current_schema()"
            ).fetchall()
        else:
            rows = cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return sorted(row["name"] for row in rows if tracking.REBUILD_MARK in row["name"])


def _indexes(store: SqlStore, table: str) -> list[str]:
    """The secondary indexes on `table`, by the short name a view gave each."""
    with store.reading() as cursor:
        if dialect(cursor) == POSTGRES:
            rows = cursor.execute(
                "SELECT indexname AS name FROM pg_catalog.pg_indexes"
                " WHERE schemaname = current_schema() AND tablename = ?",
                (table,),
            ).fetchall()
            rows = [row for row in rows if not row["name"].endswith("_pkey")]
        else:
            rows = cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
                " AND sql IS NOT NULL",
                (table,),
            ).fetchall()
    return sorted(row["name"].rsplit("_", 1)[1] for row in rows)


class Seen:
    """A projection that records the position and topic of every event it is fed."""

    topics: tuple[str, ...] = ()

    def __init__(self, name: str, topics: tuple[str, ...] = ()):
        self.name = name
        if topics:
            self.topics = topics
        self.table = Table(name, "position BIGINT PRIMARY KEY, topic TEXT NOT NULL")

    def table_names(self) -> Sequence[str]:
        return [self.table.base]

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        self.table.create(cursor, suffix)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        cursor.executemany(
            f"INSERT INTO {self.table.base}{suffix} (position, topic) VALUES (?, ?)",
            [(e.position, e.topic) for e in events],
        )

    def rows(self, store: SqlStore) -> list[tuple[int, str]]:
        with store.reading() as cursor:
            rows = cursor.execute(
                f"SELECT position, topic FROM {self.table.base} ORDER BY position"
            ).fetchall()
        return [(int(row["position"]), row["topic"]) for row in rows]


class Crash(RuntimeError):
    pass


class FailsInBatch:
    """Wraps a view; its `crash_at`-th apply to rebuild tables raises."""

    def __init__(self, view: Any, crash_at: int):
        self.view = view
        self.name = view.name
        self.topics = view.topics
        self.crash_at = crash_at
        self.calls = 0

    def table_names(self) -> Sequence[str]:
        return list(self.view.table_names())

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        self.view.create_tables(cursor, suffix)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        self.view.apply(cursor, events, suffix)
        if suffix:
            self.calls += 1
            if self.calls == self.crash_at:
                raise Crash(f"{self.name}: injected in batch {self.crash_at}")


def test_one_pass_gives_the_rows_of_one_view_at_a_time_and_of_following_the_log(
    app: Innoledger, store: SqlStore
):
    NetworkGenerator(app, seed=21).fill(2500, municipalities=6)
    head = sync(app)
    followed = dump_all(store)
    assert all(any(rows for rows in tables.values()) for tables in followed.values())

    # A projection with no topics must get every event even though the views name theirs,
    # and one with a single topic only that topic.
    everything, shared = Seen("rb_test_everything"), Seen("rb_test_shared", (NEED_SHARED,))
    progress: list[RebuildProgress] = []
    results = rebuild_many(
        app,
        [*all_projections(), everything, shared],
        store=store,
        batch_size=150,
        batches_held_s=0,  # a transaction, and a progress report, per batch
        progress=progress.append,
    )

    assert [r.name for r in results] == [
        *(p.name for p in all_projections()),
        everything.name,
        shared.name,
    ]
    assert {r.position for r in results} == {head}
    assert dump_all(store) == followed
    assert [position for position, _ in everything.rows(store)] == list(range(1, head + 1))
    shared_rows = shared.rows(store)
    assert shared_rows and {topic for _, topic in shared_rows} == {NEED_SHARED}
    assert results[-1].events == len(shared_rows)
    assert results[-2].events == head
    positions = _tracking(store)
    assert all(positions[p.name] == head for p in all_projections())
    assert not any(tracking.REBUILD_MARK in name for name in positions)
    assert _rebuild_tables(store) == []

    # Every view reports each phase, in order, with its own event count.
    for result in results:
        phases = [p.phase for p in progress if p.name == result.name]
        assert phases[0] == "cleaning" and phases[-2:] == ["swapping", "done"]
        assert phases.count("building") >= 10
        last = [p for p in progress if p.name == result.name][-1]
        assert last.events == result.events and last.position == head

    # The swapped-in tables have the indexes the views declare, as tables made by following
    # the log do.
    # Besides those, a table may make indexes of its own kind with itself (a full-text index).
    database = store.dialect
    declared = {
        table.base: sorted(
            [ix for ix, _ in table.indexes]
            + list(getattr(table, "own_indexes", lambda _: ())(database))
        )
        for projection in all_projections()
        for table in getattr(projection, "tables")  # noqa: B009
    }
    assert any(declared.values())
    assert {base: _indexes(store, base) for base in declared} == declared

    for projection in all_projections():
        rebuild(app, projection, store=store, batch_size=400)
    assert dump_all(store) == followed
    assert {base: _indexes(store, base) for base in declared} == declared


def test_events_written_during_the_pass_and_before_the_swaps_are_in_the_views(
    app: Innoledger, store: SqlStore
):
    generator = NetworkGenerator(app, seed=22)
    generator.fill(1200, municipalities=5)
    sync(app)
    s = Scenario(app)
    started = head_position(app.recorder)
    late: list[str] = []
    batches = 0

    def write_during_the_pass(p: RebuildProgress) -> None:
        nonlocal batches
        if p.phase == "building" and p.name == "tenant_index":
            batches += 1
            if batches in (2, 4):
                generator.fill(head_position(app.recorder) + 30)

    def write_before_the_swaps() -> None:
        late.append(s.need(s.ystad, "Skrivet under ombyggnaden", shared=True))

    results = rebuild_many(
        app,
        all_projections(),
        store=store,
        batch_size=100,
        batches_held_s=0,  # the writes come between the pass's transactions
        progress=write_during_the_pass,
        before_swap=write_before_the_swaps,
    )
    head = head_position(app.recorder)
    assert head > started + 60
    assert {r.position for r in results} == {head}
    assert queries.list_network_needs(store, limit=1).rows[0]["need_id"] == late[0]
    assert all(queries.view_position(store, p.name) == head for p in all_projections())
    rebuilt = dump_all(store)

    for projection in all_projections():
        rebuild(app, projection, store=store)
    assert dump_all(store) == rebuilt
    # And the same as following the log all along.
    with store.transaction() as cursor:
        for projection in all_projections():
            for base in projection.table_names():
                cursor.execute(f"DROP TABLE {base}")
            tracking.delete_row(cursor, projection.name)
    sync(app)
    assert dump_all(store) == rebuilt


@pytest.mark.parametrize("crash_at", [1, 3])
def test_a_crash_in_one_views_batch_leaves_the_live_views_untouched_and_a_rerun_completes(
    app: Innoledger, store: SqlStore, crash_at: int
):
    NetworkGenerator(app, seed=23).fill(1500, municipalities=5)
    head = sync(app)
    live = dump_all(store)
    live_positions = _tracking(store)
    # The view that fails is neither the first nor the last fed, so others apply the same
    # batch in the same transaction before it and after it.
    failing = FailsInBatch(NetworkNeeds(), crash_at)
    first, last = Seen("rb_test_first"), Seen("rb_test_last")
    views: list[Projection] = [
        first,
        *(failing if isinstance(p, NetworkNeeds) else p for p in all_projections()),
        last,
    ]

    with pytest.raises(Crash):
        rebuild_many(app, views, store=store, batch_size=200)

    assert dump_all(store) == live
    positions = _tracking(store)
    assert {k: v for k, v in positions.items() if tracking.REBUILD_MARK not in k} == live_positions
    behind = {k: v for k, v in positions.items() if tracking.REBUILD_MARK in k}
    assert len(behind) == len(views)
    # All views' batches commit together: none of them got past the batch before the crash.
    assert len(set(behind.values())) == 1
    assert next(iter(behind.values())) < head
    # And each view's rows are exactly those of the log up to its tracking row, for the views
    # fed before the failing one and after it alike.
    with store.reading() as cursor:
        for seen in (first, last):
            (name,) = [k for k in behind if k.startswith(seen.name + tracking.REBUILD_MARK)]
            rows = cursor.execute(f"SELECT position FROM {name} ORDER BY position").fetchall()
            assert [int(row["position"]) for row in rows] == list(range(1, behind[name] + 1))
    assert _rebuild_tables(store)
    assert any(v.rebuilding for v in queries.view_status(store, app.recorder))

    results = rebuild_many(app, [first, *all_projections(), last], store=store, batch_size=200)
    assert {r.position for r in results} == {head}
    assert dump_all(store) == live
    assert [position for position, _ in last.rows(store)] == list(range(1, head + 1))
    assert not any(tracking.REBUILD_MARK in name for name in _tracking(store))
    assert _rebuild_tables(store) == []


def test_a_pass_takes_batches_in_one_transaction_for_as_long_as_it_may_hold_it(
    app: Innoledger, store: SqlStore
):
    NetworkGenerator(app, seed=23).fill(1500, municipalities=5)
    head = sync(app)
    followed = dump_all(store)
    progress: list[RebuildProgress] = []
    rebuild_many(app, all_projections(), store=store, batch_size=100, batches_held_s=60,
                 progress=progress.append)
    # Fifteen batches and more, all in one transaction: one report of it per view, at the head.
    building = [p for p in progress if p.phase == "building"]
    assert sorted(p.name for p in building) == sorted(p.name for p in all_projections())
    assert {p.position for p in building} == {head}
    assert dump_all(store) == followed


def test_one_views_rebuild_in_progress_stops_the_pass_before_it_touches_anything(
    app: Innoledger, store: SqlStore
):
    s = Scenario(app)
    s.decided_need(s.ystad, "Lärprocess")
    sync(app)
    before = dump_all(store)
    lease = lease_for(app.recorder, store.schema, "rebuild:decision_log")
    assert lease.try_acquire()
    try:
        with pytest.raises(RebuildInProgress, match="decision_log"):
            rebuild_many(app, all_projections(), store=store)
        assert _tracking(store) == {p.name: head_position(app.recorder) for p in all_projections()}
        # The views' leases taken before the refusal were let go.
        rebuild(app, NetworkNeeds(), store=store)
    finally:
        lease.release()
    rebuild(app, DecisionLog(), store=store)
    assert dump_all(store) == before
    with pytest.raises(ValueError, match="more than once"):
        rebuild_many(app, [NetworkNeeds(), NetworkNeeds()], store=store)


def test_the_command_line_rebuilds_all_views_in_one_pass(
    app: Innoledger, store: SqlStore, store_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    NetworkGenerator(app, seed=24).fill(400, municipalities=3)
    head = sync(app)
    before = dump_all(store)
    passes: list[list[str]] = []

    def counted(app: Any, projections: Any, **kwargs: Any) -> Any:
        chosen = list(projections)
        passes.append([p.name for p in chosen])
        return rebuild_many(app, chosen, **kwargs)

    def one_view(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a rebuild of all views must not go view by view")

    monkeypatch.setattr(cli, "rebuild_many", counted)
    monkeypatch.setattr(cli, "rebuild", one_view)
    obj: dict[str, Any] = {"create_app": lambda: Innoledger(store_settings)}
    result = CliRunner().invoke(cli.projections_group, ["rebuild", "--batch-size", "50"], obj=obj)
    assert result.exit_code == 0, result.output
    assert passes == [[p.name for p in all_projections()]]
    for projection in all_projections():
        assert f"{projection.name}: rebuilt to position {head}" in result.output
        assert f"{projection.name}: swapping at" in result.output
    assert dump_all(store) == before
    with store.reading() as cursor:
        assert all(
            table_exists(cursor, base) for p in all_projections() for base in p.table_names()
        )
