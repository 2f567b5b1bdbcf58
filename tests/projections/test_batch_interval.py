"""A projection's minimum interval between batches: larger batches when caught up with a busy
log, never a brake on catching up."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from bench.network_generator import NetworkGenerator
from eventstore.sql import SqlStore
from projections.runner import (
    POSTGRES_FOLLOW_INTERVAL_S,
    BatchApplied,
    ProjectionRunner,
    head_position,
)
from projections.views.network_needs import NetworkNeeds
from service.innoledger import Innoledger
from service.settings import Settings
from tests.projections.scenario import Scenario


@contextmanager
def _following(runner: ProjectionRunner, join_s: float = 10) -> Iterator[None]:
    """The runner follows the log in a thread of its own while the block runs."""
    stop = threading.Event()
    follower = threading.Thread(target=runner.run_forever, args=(stop,))
    follower.start()
    try:
        yield
    finally:
        stop.set()
        follower.join(timeout=join_s)


def _wait_until(condition, timeout: float = 20.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


def _caught_up(runner: ProjectionRunner, app: Innoledger, timeout: float = 20.0) -> bool:
    return _wait_until(lambda: runner.position() == head_position(app.recorder), timeout)


def test_events_saved_while_the_runner_waits_arrive_in_one_batch(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    batches: list[BatchApplied] = []
    runner = ProjectionRunner(
        app, NetworkNeeds(), store=store, on_batch=batches.append, min_batch_interval_s=4.0
    )
    with _following(runner):
        assert _caught_up(runner, app)
        applied_before = len(batches)
        for n in range(5):
            s.need(s.ystad, f"Behov {n}", shared=True)
        assert _caught_up(runner, app)
    # One batch, or two if the machine is so slow that the saves outlast the wait.
    assert len(batches) - applied_before <= 2


def test_a_runner_behind_the_log_does_not_wait_between_batches(app: Innoledger, store: SqlStore):
    NetworkGenerator(app, seed=3).fill(400, municipalities=3)
    runner = ProjectionRunner(
        app, NetworkNeeds(), store=store, batch_size=50, min_batch_interval_s=30.0
    )
    started = time.monotonic()
    with _following(runner, join_s=40):
        # Eight batches or more: waiting 30 s after each would take minutes.
        assert _caught_up(runner, app, 25.0)
    assert time.monotonic() - started < 25.0


def test_the_ledger_asks_for_an_interval_and_the_views_only_on_postgres(app: Innoledger):
    from projections.registry import all_projections
    from service.ledger.projection import LedgerProjection

    assert ProjectionRunner(app, LedgerProjection.for_app(app)).min_batch_interval_s > 0
    postgres = SqlStore(app.recorder).is_postgres
    for projection in all_projections():
        interval = ProjectionRunner(app, projection).min_batch_interval_s
        assert (interval > 0) if postgres else (interval == 0)


def test_a_view_following_postgres_takes_saves_in_batches_not_one_wake_each(
    postgres_settings: Settings,
):
    """Every commit on PostgreSQL wakes every runner; a view that caught up waits a moment
    before it looks again, so quick saves reach it together."""
    app = Innoledger(postgres_settings)
    try:
        s = Scenario(app)
        applied_at: list[float] = []
        runner = ProjectionRunner(
            app, NetworkNeeds(), store=SqlStore(app.recorder),
            on_batch=lambda batch: applied_at.append(time.monotonic()),
        )
        with _following(runner):
            assert _caught_up(runner, app)
            caught_up = len(applied_at)
            for n in range(12):
                s.need(s.ystad, f"Behov {n}", shared=True)
                time.sleep(0.002)
            assert _caught_up(runner, app)
    finally:
        app.close()
    assert POSTGRES_FOLLOW_INTERVAL_S > 0
    following = applied_at[caught_up:]
    gaps = [later - earlier for earlier, later in itertools.pairwise(following)]
    assert following
    assert all(gap >= POSTGRES_FOLLOW_INTERVAL_S * 0.9 for gap in gaps), gaps
