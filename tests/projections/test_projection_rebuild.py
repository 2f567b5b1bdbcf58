"""Rebuild into new tables while the old ones answer, swap, and the command line around it."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from click.testing import CliRunner

from bench.network_generator import NetworkGenerator
from eventstore.sql import SqlStore
from projections import queries
from projections.db import table_exists
from projections.lease import lease_for
from projections.rebuild import RebuildInProgress, RebuildProgress, rebuild
from projections.registry import all_projections
from projections.runner import ProjectionRunner, head_position
from projections.views.network_needs import NetworkNeeds
from projections.views.tenant_index import TenantIndex
from service.cli.projections import projections_group
from service.innoledger import Innoledger
from service.settings import Settings
from tests.projections.conftest import dump, dump_all, sync
from tests.projections.scenario import Scenario


def test_rebuild_gives_the_incremental_state_and_includes_late_events(
    app: Innoledger, store: SqlStore
):
    NetworkGenerator(app, seed=3).fill(1200, municipalities=5)
    sync(app)
    s = Scenario(app)
    late: list[str] = []
    progress: list[RebuildProgress] = []

    def write_late_event() -> None:
        late.append(s.need(s.ystad, "Skrivet under ombyggnaden", shared=True))

    result = rebuild(
        app,
        NetworkNeeds(),
        store=store,
        batch_size=100,
        batches_held_s=0,  # a transaction, and a progress report, per batch
        progress=progress.append,
        before_swap=write_late_event,
    )
    assert result.position == head_position(app.recorder)
    phases = [p.phase for p in progress]
    assert phases[0] == "cleaning" and phases[-2:] == ["swapping", "done"]
    assert sum(p.phase == "building" for p in progress) >= 5
    assert queries.list_network_needs(store, limit=1).rows[0]["need_id"] == late[0]
    assert queries.view_position(store, "network_needs") == result.position

    sync(app)
    incremental = dump_all(store)
    for projection in all_projections():
        rebuild(app, projection, store=store)
    assert dump_all(store) == incremental


def test_readers_see_a_consistent_view_throughout_the_swap(app: Innoledger, store: SqlStore):
    NetworkGenerator(app, seed=9).fill(1500, municipalities=6)
    sync(app)
    expected = {
        "needs": queries.list_network_needs(store, limit=200).rows,
        "portfolio": queries.list_portfolio(store, limit=200).rows,
        "decisions": queries.list_decisions(store, scope=None, limit=200).rows,
    }
    stop = threading.Event()
    errors: list[BaseException] = []
    reads = 0

    def read_continuously() -> None:
        nonlocal reads
        try:
            while not stop.is_set():
                got = {
                    "needs": queries.list_network_needs(store, limit=200).rows,
                    "portfolio": queries.list_portfolio(store, limit=200).rows,
                    "decisions": queries.list_decisions(store, scope=None, limit=200).rows,
                }
                assert got == expected
                reads += 1
        except BaseException as exc:
            errors.append(exc)

    readers = [threading.Thread(target=read_continuously) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for projection in all_projections():
            rebuild(app, projection, store=store, batch_size=200)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert errors == []
    assert reads > 0


def test_an_abandoned_rebuild_is_cleaned_up_and_rebuilds_do_not_overlap(
    app: Innoledger, store: SqlStore
):
    s = Scenario(app)
    s.need(s.ystad, "Ett", shared=True)
    # A rebuild that died after its first batch left its tables and tracking row behind.
    abandoned = ProjectionRunner(app, NetworkNeeds(), store=store, suffix="__rbdeadbeef")
    abandoned.catch_up(max_batches=1)
    statuses = queries.view_status(store, app.recorder)
    assert any(v.rebuilding and v.name == "network_needs__rbdeadbeef" for v in statuses)

    lease = lease_for(app.recorder, store.schema, "rebuild:network_needs")
    assert lease.try_acquire()
    try:
        with pytest.raises(RebuildInProgress):
            rebuild(app, NetworkNeeds(), store=store)
    finally:
        lease.release()

    rebuild(app, NetworkNeeds(), store=store)
    with store.reading() as cursor:
        for base in NetworkNeeds().table_names():
            assert table_exists(cursor, base)
            assert not table_exists(cursor, base + "__rbdeadbeef")
    assert not any(v.rebuilding for v in queries.view_status(store, app.recorder))
    assert len(queries.list_network_needs(store).rows) == 1


def test_command_line_status_rebuild_and_help(
    app: Innoledger, store: SqlStore, store_settings: Settings
):
    s = Scenario(app)
    s.decided_need(s.ystad, "Lärprocess")
    ProjectionRunner(app, NetworkNeeds(), store=store).catch_up()
    runner = CliRunner()
    obj: dict[str, Any] = {"create_app": lambda: Innoledger(store_settings)}

    for args in (["--help"], ["run", "--help"], ["rebuild", "--help"], ["status", "--help"]):
        result = runner.invoke(projections_group, args, obj=obj)
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output

    result = runner.invoke(projections_group, ["status", "--json"], obj=obj)
    assert result.exit_code == 0, result.output
    status = {row["name"]: row for row in json.loads(result.output)}
    head = head_position(app.recorder)
    assert status["network_needs"]["position"] == head and status["network_needs"]["lag"] == 0
    assert status["decision_log"]["lag"] == head

    result = runner.invoke(projections_group, ["rebuild", "decision_log"], obj=obj)
    assert result.exit_code == 0, result.output
    assert f"decision_log: rebuilt to position {head}" in result.output
    decisions = queries.list_decisions(store, scope=None).rows
    assert len([d for d in decisions if d["aggregate_type"] != "Municipality"]) == 2
    before = dump(store, NetworkNeeds())
    result = runner.invoke(projections_group, ["rebuild"], obj=obj)
    assert result.exit_code == 0, result.output
    assert dump(store, NetworkNeeds()) == before

    result = runner.invoke(projections_group, ["status"], obj=obj)
    assert result.exit_code == 0 and "decision_log" in result.output
    result = runner.invoke(projections_group, ["rebuild", "nonsense"], obj=obj)
    assert result.exit_code != 0 and "unknown view" in result.output


def test_rebuild_while_the_follower_applies_new_events(app: Innoledger, store: SqlStore):
    generator = NetworkGenerator(app, seed=13)
    generator.fill(600, municipalities=4)
    stop = threading.Event()
    followers = [
        threading.Thread(
            target=ProjectionRunner(app, p, store=store, batch_size=50).run_forever, args=(stop,)
        )
        for p in all_projections()
    ]
    writing = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            for _ in range(15):  # enough to overlap both rebuilds and their swaps
                if not writing.is_set():
                    break
                generator.fill(head_position(app.recorder) + 20)
                time.sleep(0.02)
        except BaseException as exc:
            errors.append(exc)

    writer = threading.Thread(target=write)
    for follower in followers:
        follower.start()
    try:
        writing.set()
        writer.start()
        try:
            for view in (TenantIndex(), NetworkNeeds()):
                rebuild(app, view, store=store, batch_size=100)
        finally:
            writing.clear()
            writer.join()
        assert errors == []
        head = head_position(app.recorder)
        for projection in all_projections():
            assert queries.wait_for_position(store, projection.name, head, 30), projection.name
    finally:
        stop.set()
        for follower in followers:
            follower.join(timeout=10)
    followed = dump_all(store)
    for projection in all_projections():
        rebuild(app, projection, store=store)
    assert dump_all(store) == followed
