"""Aggregates cached per process are never stale and never carry a refused change."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from eventsourcing.persistence import IntegrityError

from service.errors import ConcurrentUpdate, VersionMismatch
from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import identify_need, setup_tenant


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
