"""Past states as of a version and as of a moment (transaction time), against a full replay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from domain.municipality import municipality_id
from eventstore.sql import SqlStore
from service.audit.as_of import (
    IMMUTABLE_CACHE_CONTROL,
    NotYetExisting,
    state_as_of,
    state_at_version,
    version_as_of,
)
from service.errors import Forbidden, NotFound
from service.innoledger import Innoledger
from tests.audit.reference import expected_version_at, replayed
from tests.audit.scenario import Scenario
from tests.builders import PLATFORM_AUDITOR


def subjects(scenario: Scenario) -> list[tuple[str, str, uuid.UUID]]:
    return [
        ("need", scenario.need_id, uuid.UUID(scenario.need_id)),
        ("procurement", scenario.procurement_id, uuid.UUID(scenario.procurement_id)),
        ("municipality", "ystad", municipality_id("ystad")),
    ]


def check_every_version_and_moment(app: Innoledger, scenario: Scenario) -> None:
    for kind, object_id, aggregate_id in subjects(scenario):
        expected = replayed(app, aggregate_id)
        for version, (state, recorded_at) in expected.items():
            past = state_at_version(app, PLATFORM_AUDITOR, kind, object_id, version)
            assert past.version == version
            assert past.document()["state"] == state
            assert past.immutable
            assert past.recorded_at == recorded_at
            # At the very moment the version was recorded, and between it and the next one.
            moments = [recorded_at]
            if version + 1 in expected:
                later = expected[version + 1][1]
                moments.append(recorded_at + (later - recorded_at) / 2)
            for moment in moments:
                want = expected_version_at(expected, moment)
                assert version_as_of(app, aggregate_id, moment) == want
                answer = state_as_of(app, PLATFORM_AUDITOR, kind, object_id, moment)
                assert answer.version == want
                assert answer.document()["state"] == expected[want][0]
                assert answer.document()["as_of"] == moment.isoformat()


def test_state_as_of_every_version_and_moment(app: Innoledger, scenario: Scenario) -> None:
    check_every_version_and_moment(app, scenario)


def test_snapshots_taken_late_do_not_change_answers(app: Innoledger, scenario: Scenario) -> None:
    store = SqlStore(app.recorder)
    # The store already holds snapshots every three versions (snapshot_interval=3); take more
    # now, long after the versions were recorded, so their own timestamps say "now".
    for _, _, aggregate_id in subjects(scenario):
        latest: int = app.repository.get(aggregate_id).version
        for version in range(1, latest + 1):
            if version % 3:  # the others were taken when the version was saved
                app.take_snapshot(aggregate_id, version=version)
    with store.reading() as cursor:
        row = cursor.execute(
            f"SELECT COUNT(*) AS n FROM {app.snapshots.recorder.events_table_name}"  # type: ignore[union-attr]
        ).fetchone()
    assert row is not None and row["n"] > 10
    check_every_version_and_moment(app, scenario)


def test_as_of_before_creation_and_in_the_future(app: Innoledger, scenario: Scenario) -> None:
    expected = replayed(app, uuid.UUID(scenario.need_id))
    created = expected[1][1]
    with pytest.raises(NotYetExisting):
        state_as_of(
            app, PLATFORM_AUDITOR, "need", scenario.need_id, created - timedelta(microseconds=1)
        )
    assert version_as_of(app, uuid.UUID(scenario.need_id), created - timedelta(days=1)) is None
    future = state_as_of(
        app, PLATFORM_AUDITOR, "need", scenario.need_id, datetime.now(UTC) + timedelta(days=1)
    )
    assert future.version == max(expected)
    # Not settled: an event could still be recorded before that moment.
    assert not future.immutable
    assert future.cache_control != IMMUTABLE_CACHE_CONTROL
    recent = state_as_of(app, PLATFORM_AUDITOR, "need", scenario.need_id, created)
    assert recent.version == 1 and not recent.immutable  # recorded moments ago


def test_as_of_a_settled_moment_is_immutable(
    app: Innoledger, scenario: Scenario, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("service.audit.as_of.SETTLE_TIME", timedelta(0))
    expected = replayed(app, uuid.UUID(scenario.need_id))
    answer = state_as_of(app, PLATFORM_AUDITOR, "need", scenario.need_id, expected[2][1])
    assert answer.version == 2 and answer.immutable
    assert answer.cache_control == IMMUTABLE_CACHE_CONTROL


def test_historical_answers_are_immutable_with_strong_etags(
    app: Innoledger, scenario: Scenario
) -> None:
    first = state_at_version(app, PLATFORM_AUDITOR, "need", scenario.need_id, 3)
    again = state_at_version(app, PLATFORM_AUDITOR, "need", scenario.need_id, 3)
    other = state_at_version(app, PLATFORM_AUDITOR, "need", scenario.need_id, 4)
    assert first.etag == again.etag and first.etag != other.etag
    assert first.etag.startswith('"') and not first.etag.startswith("W/")
    assert first.cache_control == IMMUTABLE_CACHE_CONTROL
    assert first.document() == again.document()


def test_as_of_refusals(app: Innoledger, scenario: Scenario) -> None:
    with pytest.raises(NotFound):
        state_at_version(app, PLATFORM_AUDITOR, "need", scenario.need_id, 0)
    with pytest.raises(NotFound):
        state_at_version(app, PLATFORM_AUDITOR, "need", scenario.need_id, 999)
    with pytest.raises(Forbidden):
        state_at_version(app, scenario.ystad.viewer, "need", scenario.need_id, 1)
    with pytest.raises(NotFound):
        state_at_version(app, scenario.skurup.auditor, "need", scenario.need_id, 1)
    with pytest.raises(NotFound):
        state_as_of(app, PLATFORM_AUDITOR, "need", str(uuid.uuid4()), datetime.now(UTC))
