"""Several projections followed by one thread: each batch read once and applied to every
projection it concerns in one transaction, exactly once, a failing projection left behind while
the others go on, one group at a time per projection."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest

from bench.network_generator import NetworkGenerator
from eventstore.sql import SqlStore
from projections import queries
from projections import runner as runner_module
from projections.base import Projection
from projections.group import RunnerGroup
from projections.rebuild import rebuild
from projections.registry import all_projections
from projections.runner import ProjectionRunner, head_position
from projections.views.decision_log import DecisionLog
from projections.views.network_needs import NetworkNeeds
from service.innoledger import Innoledger
from tests.projections.conftest import dump_all
from tests.projections.scenario import Scenario
from tests.projections.test_empty_advances import CountingStore, _wait_until
from tests.projections.test_projection_runner import Failing


@contextmanager
def following(group: RunnerGroup) -> Iterator[threading.Event]:
    stop = threading.Event()
    follower = threading.Thread(target=group.run_forever, args=(stop,))
    follower.start()
    try:
        yield stop
    finally:
        stop.set()
        follower.join(timeout=20)
    assert not follower.is_alive()


def _at(store: SqlStore, names: Sequence[str], position: int, timeout: float = 20) -> bool:
    return all(queries.wait_for_position(store, name, position, timeout) for name in names)


def test_a_group_leaves_every_view_as_a_rebuild_would_while_others_apply_too(
    app: Innoledger, store: SqlStore
):
    generator = NetworkGenerator(app, seed=11)
    generator.fill(600, municipalities=4)
    projections = all_projections()
    names = [p.name for p in projections]
    group = RunnerGroup(app, projections, batch_size=37)
    with following(group):
        # The log grows while the group follows, and another applier moves one view too.
        generator.fill(600, municipalities=4)
        ProjectionRunner(app, DecisionLog(), store=store, batch_size=11).catch_up()
        generator.fill(300, municipalities=4)
        assert _at(store, names, head_position(app.recorder))
    followed = dump_all(store)
    for projection in projections:
        rebuild(app, projection, store=store)
    assert dump_all(store) == followed


def test_a_save_costs_every_view_it_concerns_one_transaction_together(
    app: Innoledger, monkeypatch: pytest.MonkeyPatch
):
    # The other views' advances over these saves are kept back for the whole test.
    monkeypatch.setattr(runner_module, "EMPTY_ADVANCE_DELAY_S", 60.0)
    s = Scenario(app)
    store = CountingStore(app.recorder)
    projections = all_projections()
    # A need identified is read by these three, and by none of the others.
    readers = ["tenant_index", "network_needs", "lessons"]
    with following(RunnerGroup(app, projections, store=store)):
        s.need(s.ystad, "Först")
        assert _at(store, readers, head_position(app.recorder))
        before = store.commits
        for n in range(3):
            s.need(s.skurup, f"Sedan {n}")
            assert _at(store, readers, head_position(app.recorder))
        assert store.commits - before == 3


def test_a_failing_view_stays_behind_and_the_others_go_on(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    failing = Failing(NetworkNeeds(), fail_times=10**6)
    projections: list[Projection] = [failing, DecisionLog()]  # type: ignore[list-item]
    with following(RunnerGroup(app, projections)):
        s.decided_need(s.ystad, "Delat", shared=True)
        head = head_position(app.recorder)
        assert _at(store, ["decision_log"], head)
        # The failed batches left no trace, and the decision log did not wait for them.
        assert queries.view_position(store, "network_needs") == 0
        assert queries.list_network_needs(store).rows == []
        failing.fail_times = 0
        assert _at(store, ["network_needs"], head)
    assert [row["title"] for row in queries.list_network_needs(store).rows] == ["Delat"]
    assert queries.list_decisions(store, scope=None, limit=50).rows


def test_one_group_follows_a_projection_at_a_time_and_a_standby_takes_over(
    app: Innoledger, store: SqlStore
):
    s = Scenario(app)
    names = ["decision_log", "network_needs"]
    first = RunnerGroup(app, [DecisionLog(), NetworkNeeds()], lease_retry_s=0.05)
    second = RunnerGroup(app, [DecisionLog(), NetworkNeeds()], lease_retry_s=0.05)
    applied_by_second: list[str] = []
    for member in second.members:
        member.runner.on_batch = lambda batch: applied_by_second.append(batch.name)
    stop_first = threading.Event()
    first_thread = threading.Thread(target=first.run_forever, args=(stop_first,))
    first_thread.start()
    try:
        assert _wait_until(lambda: all(m.held for m in first.members))
        with following(second):
            time.sleep(0.3)  # the standby is up and asking for the leases
            s.decided_need(s.ystad, "Medan båda kör", shared=True)
            assert _at(store, names, head_position(app.recorder))
            assert not any(m.held for m in second.members) and applied_by_second == []

            stop_first.set()
            first_thread.join(timeout=20)
            s.decided_need(s.skurup, "Efter att den första slutade", shared=True)
            assert _at(store, names, head_position(app.recorder))
            assert all(m.held for m in second.members)
            assert set(applied_by_second) == set(names)
    finally:
        stop_first.set()
        first_thread.join(timeout=20)
    assert not first_thread.is_alive()
