"""A following runner does not commit, batch by batch, a log of events its projection does not
read: it commits that advance with its next rows, after a short delay, or when it stops."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from eventsourcing.persistence import ApplicationRecorder

from eventstore.sql import Cursor, SqlStore
from projections import queries
from projections import runner as runner_module
from projections.runner import BatchApplied, ProjectionRunner, head_position
from projections.views.decision_log import DecisionLog
from service.innoledger import Innoledger
from tests.projections.conftest import dump
from tests.projections.scenario import Scenario

VIEW = "decision_log"  # follows decisions, not needs being identified


class CountingStore(SqlStore):
    """Counts its writing transactions; `gate` cleared holds the next one back."""

    def __init__(self, recorder: ApplicationRecorder):
        super().__init__(recorder, flush_each_commit=False)
        self.commits = 0
        self.gate = threading.Event()
        self.gate.set()
        self.at_gate = threading.Event()

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        self.at_gate.set()
        assert self.gate.wait(30)
        with super().transaction() as cursor:
            yield cursor
            # Counted before the commit shows: whoever sees the commit sees it counted.
            self.commits += 1


def _wait_until(condition: Callable[[], bool], timeout: float = 20.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.005)
    return False


@contextmanager
def following(runner: ProjectionRunner) -> Iterator[None]:
    stop = threading.Event()
    follower = threading.Thread(target=runner.run_forever, args=(stop,))
    follower.start()
    try:
        yield
    finally:
        stop.set()
        follower.join(timeout=20)
    assert not follower.is_alive()


def _needs_read_by(runner: ProjectionRunner, s: Scenario, count: int) -> list[str]:
    """Identifies `count` needs (events the decision log does not read), each read by the
    following runner before the next is saved."""
    needs = []
    for n in range(count):
        needs.append(s.need(s.skurup, f"Övrigt {n}"))
        head = head_position(s.app.recorder)
        assert _wait_until(lambda head=head: runner.last_head >= head)
    return needs


@pytest.fixture
def scenario(app: Innoledger) -> Scenario:
    s = Scenario(app)
    # The log ends with an event of the view, so a runner's first catch-up commits it all.
    s.decide_need(s.ystad, s.need(s.ystad, "Först"), "park")
    return s


def test_advances_without_rows_go_with_the_next_rows_or_the_stop(
    app: Innoledger, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(runner_module, "EMPTY_ADVANCE_DELAY_S", 60.0)
    s = scenario
    store = CountingStore(app.recorder)
    batches: list[BatchApplied] = []
    runner = ProjectionRunner(app, DecisionLog(), store=store, on_batch=batches.append)
    with following(runner):
        assert _wait_until(lambda: runner.position() == head_position(app.recorder))
        committed, stored = store.commits, runner.position()
        rows = len(dump(store, DecisionLog())[VIEW])

        later = _needs_read_by(runner, s, 20)
        # Twenty batches read, none committed.
        assert store.commits == committed and runner.position() == stored

        result = s.decide_need(s.skurup, later[0], "park")
        assert queries.wait_for_position(store, VIEW, result.position, 20)
        # One transaction carries the decision's row and the twenty empty advances before it.
        assert store.commits == committed + 1
        # The runner tells of a batch just after its commit shows.
        assert _wait_until(lambda: batches[-1].position == result.position)
        assert batches[-1] == BatchApplied(VIEW, stored, result.position, 1, result.position)
        assert len(dump(store, DecisionLog())[VIEW]) == rows + 1

        _needs_read_by(runner, s, 3)
        assert runner.position() == result.position
    # Stopping commits what was read.
    assert runner.position() == head_position(app.recorder) > result.position
    assert store.commits == committed + 2


def test_a_view_no_command_touched_still_reaches_the_head(app: Innoledger, scenario: Scenario):
    store = CountingStore(app.recorder)
    runner = ProjectionRunner(app, DecisionLog(), store=store)
    with following(runner):
        assert _wait_until(lambda: runner.position() == head_position(app.recorder))
        _needs_read_by(runner, scenario, 10)
        # Without any event of its own, while the runner keeps following.
        head = head_position(app.recorder)
        assert queries.wait_for_position(store, VIEW, head, 20)
        assert runner.position() == head


def test_another_applier_moving_the_position_is_detected_and_nothing_applied_twice(
    app: Innoledger, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(runner_module, "EMPTY_ADVANCE_DELAY_S", 60.0)
    s = scenario
    store = CountingStore(app.recorder)
    following_batches: list[BatchApplied] = []
    runner = ProjectionRunner(app, DecisionLog(), store=store, on_batch=following_batches.append)
    with following(runner):
        assert _wait_until(lambda: runner.position() == head_position(app.recorder))
        rows = len(dump(store, DecisionLog())[VIEW])
        applied_before = sum(b.events for b in following_batches)
        later = _needs_read_by(runner, s, 5)

        # The follower reads the decision and is held back just before committing it...
        store.gate.clear()
        store.at_gate.clear()
        first = s.decide_need(s.skurup, later[0], "park")
        assert store.at_gate.wait(20)
        # ...while another applier (a web process reading with ?position=) applies it.
        other_batches: list[BatchApplied] = []
        other = ProjectionRunner(
            app, DecisionLog(), store=SqlStore(app.recorder), on_batch=other_batches.append
        )
        assert other.catch_up() == first.position
        store.gate.set()

        second = s.decide_need(s.skurup, later[1], "park")
        assert queries.wait_for_position(store, VIEW, second.position, 20)
        assert _wait_until(lambda: runner.position() == second.position)

    assert sum(b.events for b in other_batches) == 1
    assert sum(b.events for b in following_batches) - applied_before == 1
    assert len(dump(store, DecisionLog())[VIEW]) == rows + 2
