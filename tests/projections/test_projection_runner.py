"""The runner: decoding, exactly-once batches, gaps, topic filtering, leases, read-your-writes."""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from eventsourcing.utils import resolve_topic

from bench.network_generator import NetworkGenerator
from eventstore.sql import Cursor, SqlStore
from projections import queries, topics
from projections.base import ProjectedEvent
from projections.lease import FileLease
from projections.registry import all_projections
from projections.runner import ProjectionRunner, decode, head_position, read_batch
from projections.views.decision_log import DecisionLog
from projections.views.network_needs import NetworkNeeds
from service.innoledger import Innoledger
from service.settings import Settings
from tests.projections.conftest import dump, dump_all, sync
from tests.projections.scenario import Scenario


def test_every_topic_the_views_read_is_a_domain_topic():
    import service.innoledger  # noqa: F401  (registers the aggregates' topics)

    named = {
        value for name, value in vars(topics).items() if name.isupper() and isinstance(value, str)
    }
    for projection in all_projections():
        named.update(projection.topics)  # type: ignore[attr-defined]
    for topic in named:
        assert resolve_topic(topic) is not None, topic


def test_decoded_event_has_envelope_and_data_apart(app: Innoledger):
    s = Scenario(app)
    need = s.need(s.ystad, "Lärprocess", shared=True)
    [notification] = [
        n
        for n in app.recorder.select_notifications(start=1, limit=100)
        if n.topic == topics.NEED_SHARED
    ]
    event = decode(app.mapper, notification)
    # The state is decoded when first read: envelope-only readers never pay for it.
    assert "data" not in vars(event) and "recorded_at" not in vars(event)
    assert event.position == notification.id
    assert event.topic == "innoledger:Need.Shared"
    assert str(event.originator_id) == need == event.aggregate_id
    assert event.originator_version == notification.originator_version == 2
    assert event.aggregate_type == "Need" and event.event_type == "Shared"
    assert event.recorded_at.tzinfo is not None
    assert event.audit["tenant"] == "ystad" and event.audit["actor"] == "ystad-officer"
    assert event.data == {}
    assert "data" in vars(event)
    assert event.notification is notification
    created = decode(
        app.mapper, app.recorder.select_notifications(start=notification.id - 1, limit=1)[0]
    )
    assert "originator_topic" not in created.data and "timestamp" not in created.data


@pytest.mark.parametrize("on", ["store", "cursor"])
def test_events_read_as_rows_are_the_events_the_library_reads(
    app: Innoledger, store: SqlStore, on: str
):
    NetworkGenerator(app, seed=5).fill(400, municipalities=3)
    head = head_position(app.recorder)
    expected = [decode(app.mapper, n)
                for n in app.recorder.select_notifications(start=1, limit=head)]
    some_topics = (topics.NEED_SHARED, topics.PROCUREMENT_STARTED)

    def read(topics_read: Sequence[str]) -> tuple[int, list[ProjectedEvent]]:
        if on == "store":
            return read_batch(app, store, 0, head, head, topics_read)
        with store.transaction() as cursor:
            return read_batch(app, cursor, 0, head, head, topics_read)

    position, events = read(())
    assert position == head and len(events) == len(expected) == head
    # Nothing but the envelope is made until a projection asks for more.
    assert not {"originator_id", "notification", "data"} & set(vars(events[0]))
    assert [e.aggregate_id for e in events] == [str(e.originator_id) for e in expected]
    for fields in (("position", "topic", "originator_version"),
                   ("originator_id", "notification", "recorded_at", "audit", "data")):
        assert [[getattr(e, f) for f in fields] for e in events] == [
            [getattr(e, f) for f in fields] for e in expected
        ]
    position, chosen = read(some_topics)
    assert position == head
    assert [e.position for e in chosen] == [e.position for e in expected
                                            if e.topic in some_topics]
    assert chosen and {e.aggregate_id for e in chosen} <= {e.aggregate_id for e in events}


class Failing:
    """Applies like `inner`, then fails: the batch must leave no trace."""

    def __init__(self, inner: NetworkNeeds, fail_times: int):
        self.inner = inner
        self.name = inner.name
        self.topics = inner.topics
        self.fail_times = fail_times

    def table_names(self) -> Sequence[str]:
        return self.inner.table_names()

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        self.inner.create_tables(cursor, suffix)

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        self.inner.apply(cursor, events, suffix)
        if self.fail_times:
            self.fail_times -= 1
            raise RuntimeError("crash in the middle of a batch")


def test_a_failed_batch_leaves_no_trace_and_is_applied_once_on_retry(
    app: Innoledger, store: SqlStore
):
    s = Scenario(app)
    s.need(s.ystad, "Ett", shared=True)
    runner = ProjectionRunner(app, Failing(NetworkNeeds(), fail_times=1), store=store)
    with pytest.raises(RuntimeError):
        runner.catch_up()
    assert runner.position() == 0
    assert queries.list_network_needs(store).rows == []
    assert runner.catch_up() == head_position(app.recorder)
    assert len(queries.list_network_needs(store).rows) == 1


def test_concurrent_appliers_apply_every_event_exactly_once(app: Innoledger, store: SqlStore):
    NetworkGenerator(app, seed=7).fill(1500, municipalities=5)
    errors: list[BaseException] = []

    def apply_all() -> None:
        try:
            for projection in all_projections():
                ProjectionRunner(app, projection, batch_size=37).catch_up()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=apply_all) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    concurrent = dump_all(store)
    from projections.rebuild import rebuild

    for projection in all_projections():
        rebuild(app, projection, store=store)
    assert dump_all(store) == concurrent


def test_gaps_in_notification_ids_are_skipped_not_waited_for(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    s.need(s.ystad, "Före", shared=True)
    if store.is_postgres:
        # A rolled-back insert consumes ids: burn some, as a failed save would.
        table = f'"{store.schema}".{app.recorder.events_table_name}'  # type: ignore[attr-defined]
        with store.transaction() as cursor:
            for _ in range(5):
                cursor.execute(
                    f"SELECT nextval(pg_get_serial_sequence('{table}', 'notification_id'))"
                )
    after = s.need(s.skurup, "Efter", shared=True)
    ids = [n.id for n in app.recorder.select_notifications(start=1, limit=1000)]
    if store.is_postgres:
        assert any(b - a > 1 for a, b in itertools.pairwise(ids))
    assert sync(app) == ids[-1]
    assert {r["need_id"] for r in queries.list_network_needs(store).rows} >= {after}


def test_a_view_reading_some_topics_still_reaches_the_head(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    s.decided_need(s.ystad, "Lärprocess")
    # The log ends with events the decision log does not read.
    s.need(s.skurup, "Sist")
    head = head_position(app.recorder)
    runner = ProjectionRunner(app, DecisionLog(), store=store, batch_size=1)
    assert runner.catch_up() == head == runner.position()
    assert queries.view_status(store, app.recorder)[-1].lag >= 0
    status = {v.name: v for v in queries.view_status(store, app.recorder)}
    assert status["decision_log"].lag == 0 and status["decision_log"].position == head
    assert status["network_needs"].position == 0 and status["network_needs"].lag == head


def test_lock_file_admits_one_runner_at_a_time(tmp_path: Path):
    first, second = FileLease(tmp_path / "x.lease"), FileLease(tmp_path / "x.lease")
    assert first.try_acquire()
    assert not second.try_acquire()
    first.release()
    assert second.try_acquire()
    second.release()


def test_read_your_writes_with_a_running_follower(app: Innoledger, store: SqlStore):
    s = Scenario(app)
    stop = threading.Event()
    runner = ProjectionRunner(app, NetworkNeeds(), store=store)
    follower = threading.Thread(target=runner.run_forever, args=(stop,))
    follower.start()
    try:
        for n in range(3):
            need = s.need(s.ystad, f"Behov {n}")
            result = s.share(s.ystad, need)
            assert queries.wait_for_position(store, "network_needs", result.position, 10)
            page = queries.list_network_needs(store)
            assert page.position >= result.position
            assert page.rows[0]["need_id"] == need
        started = time.monotonic()
        far = head_position(app.recorder) + 1000
        assert not queries.wait_for_position(store, "network_needs", far, 0.3)
        assert 0.3 <= time.monotonic() - started < 2
    finally:
        stop.set()
        follower.join(timeout=10)
    assert not follower.is_alive()


def test_positions_and_cursors_are_validated(app: Innoledger, store: SqlStore):
    sync(app)
    for bad in (0, 201, True):
        with pytest.raises(queries.InvalidQuery):
            queries.list_portfolio(store, limit=bad)
    for cursor in ("nonsense", queries.encode_cursor("lessons", [1]), "W10"):
        with pytest.raises(queries.InvalidQuery):
            queries.list_portfolio(store, cursor=cursor)
    with pytest.raises(queries.InvalidQuery):
        queries.list_network_needs(store, status="lost")
    assert queries.view_position(store, "no_such_view") == 0
    assert dump(store, DecisionLog()) == {"decision_log": []}


def test_a_follower_that_caught_up_on_postgres_waits_for_news_instead_of_looking(
    postgres_settings: Settings,
):
    """Every save NOTIFYs: an idle follower reads the log's head only as a rare safety net,
    and the next save still reaches the view at once."""
    app = Innoledger(postgres_settings)
    store = SqlStore(app.recorder)
    s = Scenario(app)
    stop = threading.Event()
    runner = ProjectionRunner(app, NetworkNeeds(), store=store)
    looked: list[float] = []
    safe = runner.log_head.safe

    def counted_safe(*args: Any, **kwargs: Any) -> int:
        looked.append(time.monotonic())
        return safe(*args, **kwargs)

    runner.log_head.safe = counted_safe  # type: ignore[method-assign]
    follower = threading.Thread(target=runner.run_forever, args=(stop,))
    follower.start()
    try:
        result = s.share(s.ystad, s.need(s.ystad, "Behov före"))
        assert queries.wait_for_position(store, "network_needs", result.position, 10)
        time.sleep(0.3)  # the runner settles into waiting
        before = len(looked)
        time.sleep(0.6)
        assert len(looked) - before <= 1, "an idle follower looked at the log's head again"
        result = s.share(s.ystad, s.need(s.ystad, "Behov efter"))
        started = time.monotonic()
        assert queries.wait_for_position(store, "network_needs", result.position, 10)
        assert time.monotonic() - started < 0.5, "the save's news did not wake the follower"
    finally:
        stop.set()
        follower.join(timeout=10)
        app.close()
    assert not follower.is_alive()
