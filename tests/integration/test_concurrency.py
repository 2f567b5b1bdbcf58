"""Concurrent writers on one aggregate, on SQLite and PostgreSQL.

Each writer is its own `Innoledger` with its own connection pool, as two processes would be.
A clash is either a storage conflict (`ConcurrentUpdate`, from the event store's unique
(aggregate, version) key) or a stale `expected_version` (`VersionMismatch`); never a lost update.

To make two writers interleave deterministically, the second writer's `save` is wrapped so that
the first writer's command runs (and commits) after the second one loaded and changed its
aggregate, just before it saves.
"""

from __future__ import annotations

import dataclasses
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from eventsourcing.application import AggregateNotFoundError

from service.errors import ConcurrentUpdate, VersionMismatch
from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import (
    ESTIMATED_VALUE,
    Tenant,
    decided_need,
    identify_need,
    setup_tenant,
)


@pytest.fixture
def settings(store_settings: Settings) -> Settings:
    return dataclasses.replace(store_settings, snapshot_interval=3)


@pytest.fixture
def open_app(settings: Settings) -> Iterator[Callable[[], Innoledger]]:
    """Opens any number of applications on the one store; all are closed afterwards."""
    opened: list[Innoledger] = []

    def open_one() -> Innoledger:
        app = Innoledger(settings)
        opened.append(app)
        return app

    yield open_one
    for app in opened:
        app.close()


def run_before_save(app: Innoledger, interloper: Callable[[], Any]) -> list[tuple[Any, ...]]:
    """Makes `app`'s next save run `interloper` first; returns the list of what it tried to save."""
    original_save = app.save
    attempted: list[tuple[Any, ...]] = []

    def save(*aggregates: Any, **kwargs: Any) -> Any:
        app.save = original_save  # type: ignore[method-assign]
        attempted.append(aggregates)
        interloper()
        return original_save(*aggregates, **kwargs)

    app.save = save  # type: ignore[method-assign]
    return attempted


def stored_versions(app: Innoledger, aggregate_id: str) -> list[int]:
    return [
        stored.originator_version for stored in app.recorder.select_events(uuid.UUID(aggregate_id))
    ]


def add_swot(app: Innoledger, tenant: Tenant, need_id: str, text: str, version: int) -> Any:
    return app.add_swot_item(
        tenant.officer, need_id, quadrant="opportunity", text=text, expected_version=version
    )


def test_two_stale_writers_one_wins_the_other_gets_a_conflict(open_app):
    first, second = open_app(), open_app()
    tenant = setup_tenant(first)
    need_id = identify_need(first, tenant)
    assert (
        first.need(tenant.officer, need_id).version
        == second.need(tenant.officer, need_id).version
        == 1
    )

    winner: list[Any] = []
    run_before_save(second, lambda: winner.append(add_swot(first, tenant, need_id, "first", 1)))
    with pytest.raises(ConcurrentUpdate) as clash:
        add_swot(second, tenant, need_id, "second", 1)
    assert clash.value.rule == "concurrent_update"
    assert winner[0].version == 2

    # The loser retries with the version it had: that is now stale.
    with pytest.raises(VersionMismatch) as stale:
        add_swot(second, tenant, need_id, "second", 1)
    assert stale.value.current_version == 2
    assert stale.value.rule == "version_mismatch"

    # The store holds exactly one event at version 2: the winner's.
    assert stored_versions(first, need_id) == [1, 2]
    for app in (first, second, open_app()):
        need = app.need(tenant.officer, need_id)
        assert need.version == 2
        assert [item["text"] for item in need.swot] == ["first"]

    # With the current version the loser's change goes through.
    assert add_swot(second, tenant, need_id, "second", 2).version == 3
    assert [i["text"] for i in first.need(tenant.officer, need_id).swot] == ["first", "second"]


def test_a_stale_expected_version_is_refused_before_anything_is_saved(open_app):
    first, second = open_app(), open_app()
    tenant = setup_tenant(first)
    need_id = identify_need(first, tenant)
    add_swot(first, tenant, need_id, "first", 1)
    position = first.recorder.max_notification_id()

    with pytest.raises(VersionMismatch) as stale:
        add_swot(second, tenant, need_id, "second", 1)

    assert stale.value.current_version == 2
    assert stored_versions(first, need_id) == [1, 2]
    assert second.recorder.max_notification_id() == position


def test_two_stale_decisions_on_one_procurement_clash(open_app):
    """Two officers record a fact on the same version of a procurement: one is told to reload."""
    first, second = open_app(), open_app()
    tenant = setup_tenant(first)
    need_id, _ = decided_need(first, tenant)
    procurement_id = first.start_procurement(
        tenant.officer,
        title="Rena och torra golv",
        description="Innovationsupphandling",
        estimated_value_sek=ESTIMATED_VALUE,
        need_ids=[need_id],
    ).aggregate_id

    def lesson(app: Innoledger, text: str) -> Any:
        return app.record_lesson(
            tenant.officer, procurement_id, text=text, shareable=True, expected_version=1
        )

    run_before_save(second, lambda: lesson(first, "från första"))
    with pytest.raises(ConcurrentUpdate):
        lesson(second, "från andra")
    assert stored_versions(first, procurement_id) == [1, 2]
    lessons = second.procurement(tenant.officer, procurement_id).lessons
    assert [item.text for item in lessons] == ["från första"]


def test_many_threads_on_one_hot_need_lose_no_update(open_app):
    threads_count, commands_each = 4, 5
    setup = open_app()
    tenant = setup_tenant(setup)
    need_id = identify_need(setup, tenant)
    apps = [open_app() for _ in range(threads_count)]
    start = threading.Barrier(threads_count)
    accepted: list[str] = []
    clashes: list[type[Exception]] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def writer(index: int) -> None:
        app = apps[index]
        try:
            start.wait(timeout=30)
            for command in range(commands_each):
                text = f"tråd {index}, punkt {command}"
                for _attempt in range(200):
                    version = app.need(tenant.officer, need_id).version
                    try:
                        add_swot(app, tenant, need_id, text, version)
                    except (ConcurrentUpdate, VersionMismatch) as clash:
                        with lock:
                            clashes.append(type(clash))
                        continue
                    with lock:
                        accepted.append(text)
                    break
                else:
                    raise AssertionError(f"{text} never got through")
        except BaseException as error:  # reported below, with the thread's own traceback
            failures.append(error)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []

    expected = {f"tråd {i}, punkt {c}" for i in range(threads_count) for c in range(commands_each)}
    assert sorted(accepted) == sorted(expected)
    for app in (setup, open_app()):
        need = app.need(tenant.officer, need_id)
        assert need.version == 1 + len(accepted)
        assert sorted(item["text"] for item in need.swot) == sorted(expected)
    assert stored_versions(setup, need_id) == list(range(1, 2 + len(accepted)))


@pytest.mark.parametrize("changed_index", [0, 1])
def test_starting_a_procurement_is_atomic_when_one_of_its_needs_changed_meanwhile(
    open_app, changed_index
):
    first, second = open_app(), open_app()
    tenant = setup_tenant(first)
    needs = [decided_need(first, tenant, title=f"Behov {n}") for n in range(2)]
    need_ids = [need_id for need_id, _ in needs]
    versions = {need_id: version for need_id, version in needs}
    changed = need_ids[changed_index]
    untouched = need_ids[1 - changed_index]

    # Meanwhile, another officer starts a procurement for one of the two needs.
    other: list[Any] = []
    attempted = run_before_save(
        second,
        lambda: other.append(
            first.start_procurement(
                tenant.officer,
                title="Annan upphandling",
                description="Hann först",
                estimated_value_sek="900000",
                need_ids=[changed],
            )
        ),
    )
    with pytest.raises(ConcurrentUpdate):
        second.start_procurement(
            tenant.officer,
            title="Gemensam upphandling",
            description="Två behov i en upphandling",
            estimated_value_sek=ESTIMATED_VALUE,
            need_ids=need_ids,
        )
    position = other[0].position

    # Nothing of the failed command is stored: no procurement, no event on the untouched need.
    lost_procurement = attempted[0][0]
    assert lost_procurement.title == "Gemensam upphandling"
    for app in (first, second):
        with pytest.raises(AggregateNotFoundError):
            app.repository.get(lost_procurement.id)
        assert app.recorder.max_notification_id() == position
        assert stored_versions(app, untouched) == list(range(1, versions[untouched] + 1))
        assert stored_versions(app, changed) == list(range(1, versions[changed] + 2))
        assert stored_versions(app, str(lost_procurement.id)) == []
    untouched_need = second.need(tenant.officer, untouched)
    assert untouched_need.status == "procurement_decided"
    assert untouched_need.procurement_id is None
    assert untouched_need.version == versions[untouched]
    changed_need = second.need(tenant.officer, changed)
    assert changed_need.status == "in_procurement"
    assert changed_need.procurement_id == other[0].aggregate_id

    # The failed command left nothing behind, so the untouched need can still be procured.
    result = second.start_procurement(
        tenant.officer,
        title="Gemensam upphandling, andra försöket",
        description="Bara det kvarvarande behovet",
        estimated_value_sek=ESTIMATED_VALUE,
        need_ids=[untouched],
    )
    assert second.need(tenant.officer, untouched).procurement_id == result.aggregate_id
