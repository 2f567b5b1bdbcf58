"""As-of reads: every answer matches a full replay however the aggregate's events are fetched
(all in the first query, or a tail and then point reads), with snapshots taken on time or late,
on both stores; and the whole read takes one connection from the pool beside loading the current
state."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest

from eventstore.sql import Cursor
from service.audit import as_of
from service.audit.as_of import NotYetExisting, state_as_of, state_at_version, version_as_of
from service.errors import NotFound
from service.innoledger import Innoledger
from tests.audit.reference import expected_version_at, replayed
from tests.audit.scenario import Scenario
from tests.audit.test_audit_as_of import check_every_version_and_moment, subjects
from tests.builders import PLATFORM_AUDITOR, identify_need, setup_tenant

EDITS = 20


def take_late_snapshots(app: Innoledger, aggregate_id: uuid.UUID) -> None:
    """Snapshots at every version, all taken now: their own timestamps say nothing of when the
    versions were recorded."""
    latest: int = app.repository.get(aggregate_id).version
    for version in range(1, latest + 1):
        if version % 3:  # the others were taken when the version was saved
            app.take_snapshot(aggregate_id, version=version)


@pytest.mark.parametrize("tail", [1, 2, 5])
def test_a_tail_shorter_than_the_aggregate_gives_the_same_answers(
    app: Innoledger, scenario: Scenario, monkeypatch: pytest.MonkeyPatch, tail: int
) -> None:
    # Moments older than the first query's rows are binary-searched with point reads, and the
    # version found is built from a snapshot and rows of both kinds.
    monkeypatch.setattr(as_of, "TAIL", tail)
    check_every_version_and_moment(app, scenario)


def test_a_short_tail_with_late_snapshots(
    app: Innoledger, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(as_of, "TAIL", 2)
    for _, _, aggregate_id in subjects(scenario):
        take_late_snapshots(app, aggregate_id)
    check_every_version_and_moment(app, scenario)


@pytest.fixture
def edited_need(app: Innoledger) -> tuple[Any, str]:
    """A need with more events than one snapshot interval (3 here) many times over, saved one
    event at a time, so each version has a moment of its own."""
    tenant = setup_tenant(app, "ystad")
    need_id = identify_need(app, tenant)
    version = app.need(tenant.officer, need_id).version
    for index in range(EDITS):
        version = app.edit_need(
            tenant.officer,
            need_id,
            changes={"title": f"Titel {index}"},
            expected_version=version,
        ).version
    return tenant, need_id


def test_between_two_events_of_a_long_aggregate_with_snapshots(
    app: Innoledger, edited_need: tuple[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, need_id = edited_need
    aggregate_id = uuid.UUID(need_id)
    expected = replayed(app, aggregate_id)
    assert len(expected) > EDITS
    for tail in (as_of.TAIL, 4):
        monkeypatch.setattr(as_of, "TAIL", tail)
        for version, (state, recorded_at) in expected.items():
            if version + 1 not in expected:
                continue
            between = recorded_at + (expected[version + 1][1] - recorded_at) / 2
            assert expected_version_at(expected, between) == version
            assert version_as_of(app, aggregate_id, between) == version
            answer = state_as_of(app, PLATFORM_AUDITOR, "need", need_id, between)
            assert answer.version == version
            assert answer.recorded_at == recorded_at
            assert answer.document()["state"] == state
            past = state_at_version(app, PLATFORM_AUDITOR, "need", need_id, version)
            assert past.document()["state"] == state


def test_before_creation_is_not_yet_existing(app: Innoledger, scenario: Scenario) -> None:
    for kind, object_id, aggregate_id in subjects(scenario):
        created = replayed(app, aggregate_id)[1][1]
        with pytest.raises(NotYetExisting):
            state_as_of(app, PLATFORM_AUDITOR, kind, object_id, created - timedelta(microseconds=1))
        assert version_as_of(app, aggregate_id, created - timedelta(microseconds=1)) is None
        assert state_as_of(app, PLATFORM_AUDITOR, kind, object_id, created).version == 1


def test_another_tenants_object_is_not_found_as_of_any_moment(
    app: Innoledger, scenario: Scenario
) -> None:
    expected = replayed(app, uuid.UUID(scenario.need_id))
    for _, recorded_at in expected.values():
        with pytest.raises(NotFound) as refused:
            state_as_of(app, scenario.skurup.auditor, "need", scenario.need_id, recorded_at)
        assert not isinstance(refused.value, NotYetExisting)


# Cost: one read of the store beside the current state's load, whatever the moment


@contextmanager
def counting(app: Innoledger) -> Iterator[dict[str, int]]:
    """Connections taken from the store's pool (every read and transaction of either dialect
    takes one), and statements run through our own SQL cursors."""
    counts = {"connections": 0, "statements": 0}
    datastore: Any = app.recorder.datastore  # type: ignore[attr-defined]
    get_connection = datastore.get_connection
    execute = Cursor.execute

    @contextmanager
    def counted_connection(*args: Any, **kwargs: Any) -> Iterator[Any]:
        counts["connections"] += 1
        with get_connection(*args, **kwargs) as connection:
            yield connection

    def counted_execute(self: Cursor, *args: Any, **kwargs: Any) -> Cursor:
        counts["statements"] += 1
        return execute(self, *args, **kwargs)

    datastore.get_connection = counted_connection
    Cursor.execute = counted_execute  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        del datastore.get_connection
        Cursor.execute = execute  # type: ignore[method-assign]


def test_an_as_of_read_is_one_read_beside_the_current_load(
    app: Innoledger, scenario: Scenario
) -> None:
    for kind, object_id, aggregate_id in subjects(scenario):
        expected = replayed(app, aggregate_id)
        # Loaded once before counting: an aggregate cache, if configured, then holds it.
        as_of.load_current(app, PLATFORM_AUDITOR, kind, object_id)
        with counting(app) as base:
            current = as_of.load_current(app, PLATFORM_AUDITOR, kind, object_id)
        assert current.version == max(expected)
        for version, (_, recorded_at) in expected.items():
            with counting(app) as counts:
                answer = state_as_of(app, PLATFORM_AUDITOR, kind, object_id, recorded_at)
            assert answer.version == version
            extra = counts["connections"] - base["connections"]
            if version == current.version:
                assert extra == 0  # the current state is the answer
            else:
                assert extra == 1
                # The aggregate's events in one query, and a snapshot when one could exist.
                assert counts["statements"] <= 2
            with counting(app) as counts:
                state_at_version(app, PLATFORM_AUDITOR, kind, object_id, version)
            assert counts["connections"] - base["connections"] <= 1
