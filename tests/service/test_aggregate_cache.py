"""Aggregates cached per process are never stale and never carry a refused change."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from eventsourcing.persistence import IntegrityError

from service.application import CommandResult
from service.errors import ApplicationError, ConcurrentUpdate, NotFound, VersionMismatch
from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import (
    PRIORITISED_AT,
    comparable_state,
    decision,
    identify_need,
    replay,
    setup_tenant,
)


@pytest.fixture
def two_processes(store_settings: Settings) -> Iterator[tuple[Innoledger, Innoledger]]:
    """Two applications on one store, as two gunicorn workers have."""
    first, second = Innoledger(store_settings), Innoledger(store_settings)
    yield first, second
    first.close()
    second.close()


def test_a_change_saved_by_another_process_is_seen_at_the_next_load(two_processes):
    first, second = two_processes
    tenant = setup_tenant(first)
    need_id = identify_need(first, tenant)
    assert second.need(tenant.officer, need_id).version == 1  # now cached in `second`
    first.add_swot_item(
        tenant.officer, need_id, quadrant="strength", text="Engagerade lärare", expected_version=1
    )
    need = second.need(tenant.officer, need_id)
    assert need.version == 2
    assert [item["text"] for item in need.swot] == ["Engagerade lärare"]
    # The roles a request authenticates with come from the cached municipality too.
    first.revoke_role(
        tenant.team.admin,
        tenant.slug,
        user_id=tenant.team.user("officer"),
        role="officer",
        expected_version=first.require_registered("ystad").version,
    )
    assert "officer" not in second.roles_in(tenant.slug, tenant.team.user("officer"))


def test_a_change_whose_save_failed_is_not_left_in_the_cache(two_processes, monkeypatch):
    app, _ = two_processes
    tenant = setup_tenant(app)
    need_id = identify_need(app, tenant)
    app.need(tenant.officer, need_id)
    original_put = app.events.put

    def clash(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise IntegrityError("another process saved this version first")

    monkeypatch.setattr(app.events, "put", clash)
    with pytest.raises(ConcurrentUpdate):
        app.add_swot_item(
            tenant.officer, need_id, quadrant="strength", text="Aldrig sparad", expected_version=1
        )
    monkeypatch.setattr(app.events, "put", original_put)
    need = app.need(tenant.officer, need_id)
    assert need.version == 1 and need.swot == []
    with pytest.raises(VersionMismatch):
        app.edit_need(tenant.officer, need_id, changes={"title": "Ändrad"}, expected_version=2)


def test_after_its_own_commands_a_process_holds_what_the_store_holds(two_processes):
    app, _ = two_processes
    tenant = setup_tenant(app)
    need_id = identify_need(app, tenant)
    version = 1
    for text in ("Engagerade lärare", "Bra nätverk", "Ny läroplan"):
        version = app.add_swot_item(
            tenant.officer, need_id, quadrant="strength", text=text, expected_version=version
        ).version
    version = app.edit_need(
        tenant.officer, need_id, changes={"title": "Ändrad titel"}, expected_version=version
    ).version
    need = app.need(tenant.officer, need_id)
    assert need.version == version == 5
    assert comparable_state(need) == comparable_state(replay(app, need.id))


def test_what_another_process_saved_is_read_once_however_often_it_is_loaded(
    two_processes, monkeypatch
):
    """A process that only reads an aggregate another process changes brings its cached one up
    to date as it loads it: each stored event is read and applied once, not at every load."""
    first, second = two_processes
    tenant = setup_tenant(first)
    need_id = identify_need(first, tenant)
    assert second.need(tenant.officer, need_id).version == 1  # now cached in `second`
    version = 1
    for text in ("Engagerade lärare", "Bra nätverk", "Ny läroplan", "Stöd från nämnden"):
        version = first.add_swot_item(
            tenant.officer, need_id, quadrant="strength", text=text, expected_version=version
        ).version
    versions_read: list[int] = []
    stored_events = second.events.get

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]
        events = list(stored_events(*args, **kwargs))
        versions_read.extend(
            e.originator_version for e in events if str(e.originator_id) == need_id
        )
        return iter(events)

    monkeypatch.setattr(second.events, "get", counting)
    for _ in range(3):
        need = second.need(tenant.officer, need_id)
        assert need.version == version == 5 and len(need.swot) == 4
    assert versions_read == [2, 3, 4, 5]
    # A command of `second` starts from there too, and what it saves is what the store holds.
    second.edit_need(tenant.officer, need_id, changes={"title": "Ny titel"}, expected_version=5)
    assert versions_read == [2, 3, 4, 5]
    need = first.need(tenant.officer, need_id)
    assert need.version == 6 and need.title == "Ny titel"
    assert comparable_state(need) == comparable_state(replay(first, need.id))


def _refusal(call: Callable[[], object]) -> tuple[type[BaseException], str, object]:
    with pytest.raises(ApplicationError) as refused:
        call()
    error = refused.value
    return type(error), str(error), getattr(error, "current_version", None)


def test_a_command_on_a_version_another_process_moved_on_is_refused_as_the_store_says(
    two_processes, store_settings
):
    """The process that served the last change still holds that version when another process
    stores a newer one: a command naming the old version (If-Match) is refused exactly as a
    process without any cached state refuses it, and stores nothing."""
    first, second = two_processes
    tenant = setup_tenant(first)
    need_id = identify_need(first, tenant)
    first.add_swot_item(
        tenant.officer, need_id, quadrant="strength", text="Engagerade lärare", expected_version=1
    )  # `first` holds version 2
    second.edit_need(tenant.officer, need_id, changes={"title": "Ny titel"}, expected_version=2)
    second.share_need(tenant.officer, need_id, expected_version=3)

    def stale_edit(app: Innoledger) -> Callable[[], object]:
        return lambda: app.edit_need(
            tenant.officer, need_id, changes={"title": "Gammal"}, expected_version=2
        )

    fresh = Innoledger(store_settings)
    try:
        expected = _refusal(stale_edit(fresh))
    finally:
        fresh.close()
    assert expected == (VersionMismatch, "the object is at version 4, not 2", 4)
    assert _refusal(stale_edit(first)) == expected
    stored = replay(first, first.need(tenant.officer, need_id).id)
    assert stored.version == 4 and stored.title == "Ny titel"
    # Then it goes on from the stored state.
    result = first.edit_need(
        tenant.officer, need_id, changes={"title": "Sista titeln"}, expected_version=4
    )
    assert result.version == 5
    assert replay(first, stored.id).title == "Sista titeln"


def test_a_refusal_reasoned_on_a_moved_on_version_is_the_stored_states_refusal(
    two_processes, store_settings
):
    """Another process unshares the need: another municipality's command naming the version
    its own process still holds (shared) gets what the stored state answers — the need is
    private now, so it does not exist for them — not what the cached state would answer."""
    first, second = two_processes
    owner = setup_tenant(first)
    other = setup_tenant(first, "skurup")
    need_id = identify_need(first, owner)
    first.share_need(owner.officer, need_id, expected_version=1)  # `first` holds version 2
    second.unshare_need(owner.officer, need_id, expected_version=2)

    def others_swot(app: Innoledger) -> Callable[[], object]:
        return lambda: app.add_swot_item(
            other.officer, need_id, quadrant="threat", text="Sent", expected_version=2
        )

    fresh = Innoledger(store_settings)
    try:
        expected = _refusal(others_swot(fresh))
    finally:
        fresh.close()
    assert expected[0] is NotFound
    assert _refusal(others_swot(first)) == expected
    assert replay(first, first.need(owner.officer, need_id).id).version == 3


def test_a_command_whose_save_failed_after_storing_is_not_stored_twice(
    two_processes, monkeypatch
):
    """Even when the save fails after its events were stored (here: taking a snapshot), the
    command is not decided and stored a second time."""
    app, _ = two_processes
    tenant = setup_tenant(app)
    need_id = identify_need(app, tenant)
    app.add_swot_item(
        tenant.officer, need_id, quadrant="strength", text="Engagerade lärare", expected_version=1
    )
    need_uuid = app.need(tenant.officer, need_id).id

    def fails(*args: object, **kwargs: object) -> None:
        raise OSError("the disk went away after the commit")

    monkeypatch.setattr(app, "_take_snapshots", fails)
    with pytest.raises(Exception):  # noqa: B017 - whatever it fails with
        app.edit_need(tenant.officer, need_id, changes={"title": "En gång"}, expected_version=2)
    monkeypatch.undo()
    stored = [event for event in app.events.get(need_uuid) if event.originator_version > 2]
    assert len(stored) == 1
    assert replay(app, need_uuid).title == "En gång"


def test_a_decision_on_a_version_another_process_moved_on_is_refused_as_the_store_says(
    two_processes, store_settings
):
    first, second = two_processes
    tenant = setup_tenant(first)
    need_id = identify_need(first, tenant)
    first.add_swot_item(
        tenant.officer, need_id, quadrant="strength", text="Engagerade lärare", expected_version=1
    )  # `first` holds version 2
    second.edit_need(tenant.officer, need_id, changes={"title": "Ny titel"}, expected_version=2)

    def park(app: Innoledger, version: int) -> Callable[[], CommandResult]:
        return lambda: app.decide_on_need(
            tenant.decision_maker,
            need_id,
            decision=decision("park", PRIORITISED_AT),
            expected_version=version,
        )

    fresh = Innoledger(store_settings)
    try:
        expected = _refusal(park(fresh, 2))
    finally:
        fresh.close()
    assert expected == (VersionMismatch, "the object is at version 3, not 2", 3)
    assert _refusal(park(first, 2)) == expected
    assert park(first, 3)().version == 4
    assert replay(first, first.need(tenant.officer, need_id).id).status == "parked"
