"""A rebuild's pass collects young objects every few batches, not every 700 objects (so a batch's
events die young instead of filling the oldest generation), and leaves the collector as it
found it; cycles made meanwhile are still collected (projections/batch_heap.py)."""

from __future__ import annotations

import gc
import threading
import weakref
from collections.abc import Iterator, Sequence

import pytest

from bench.network_generator import NetworkGenerator
from eventstore.sql import Cursor, SqlStore
from projections.base import ProjectedEvent
from projections.batch_heap import YOUNG_OBJECTS_PER_COLLECTION, collected_per_batches
from projections.rebuild import rebuild
from projections.views.tenant_index import TenantIndex
from service.innoledger import Innoledger
from tests.projections.conftest import dump, sync


@pytest.fixture
def default_pace() -> Iterator[tuple[int, ...]]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    try:
        yield gc.get_threshold()
    finally:
        gc.set_threshold(*before)


class ObservedPace(TenantIndex):
    """The tenant index, noting the collector's young threshold whenever it applies a batch."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        self.seen.append(gc.get_threshold()[0])
        super().apply(cursor, events, suffix)


def test_a_rebuild_applies_its_batches_at_the_batch_pace_and_restores_the_collector(
    app: Innoledger, store: SqlStore, default_pace: tuple[int, ...]
) -> None:
    NetworkGenerator(app, seed=5).fill(1500, municipalities=3)
    sync(app)
    followed = dump(store, TenantIndex())
    view = ObservedPace()

    rebuild(app, view, batch_size=200)

    assert len(view.seen) > 1
    assert min(view.seen) >= YOUNG_OBJECTS_PER_COLLECTION
    assert gc.get_threshold() == default_pace
    assert dump(store, TenantIndex()) == followed


def test_the_pace_is_restored_after_a_failure_and_only_when_the_last_overlapping_block_ends(
    default_pace: tuple[int, ...],
) -> None:
    with pytest.raises(RuntimeError), collected_per_batches():
        raise RuntimeError("a batch failed")
    assert gc.get_threshold() == default_pace

    # Two threads rebuilding at once: the first to finish must not restore the default pace
    # under the other one.
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    seen_after_first: list[int] = []

    def first() -> None:
        with collected_per_batches():
            first_in.set()
            second_in.wait(5)
        first_out.set()

    def second() -> None:
        first_in.wait(5)
        with collected_per_batches():
            second_in.set()
            first_out.wait(5)
            seen_after_first.append(gc.get_threshold()[0])

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen_after_first == [YOUNG_OBJECTS_PER_COLLECTION]
    assert gc.get_threshold() == default_pace


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_cycles_made_during_a_pass_are_still_collected(default_pace: tuple[int, ...]) -> None:
    assert gc.isenabled()
    with collected_per_batches():
        cycle = _Node()
        cycle.other = _Node()
        cycle.other.other = cycle
        gone = weakref.ref(cycle)
        del cycle
        # More new objects than the young generation holds at this pace, kept alive as a
        # batch's events are: the collector has run by the time they are all made.
        kept = [[] for _ in range(3 * YOUNG_OBJECTS_PER_COLLECTION)]
        assert gone() is None
        del kept
