"""One request sees one state of the caller's municipality; the next request sees the new one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import setup_tenant


@pytest.fixture
def app(sqlite_settings: Settings) -> Iterator[Innoledger]:
    application = Innoledger(sqlite_settings)
    yield application
    application.close()


def _counting_loads(app: Innoledger) -> list[object]:
    loads: list[object] = []
    original = app.repository.get

    def get(aggregate_id, **kwargs):  # type: ignore[no-untyped-def]
        loads.append(aggregate_id)
        return original(aggregate_id, **kwargs)

    app.repository.get = get  # type: ignore[method-assign]
    return loads


def test_within_a_request_the_municipality_is_read_once(app: Innoledger):
    tenant = setup_tenant(app)
    officer = tenant.team.user("officer")
    loads = _counting_loads(app)
    with app.request_scope():
        assert "officer" in app.roles_in("ystad", officer)
        assert "officer" in app.roles_in("ystad", officer)
    assert len(loads) == 1


def test_a_role_revoked_in_one_request_is_gone_in_the_next(app: Innoledger):
    tenant = setup_tenant(app)
    officer = tenant.team.user("officer")
    with app.request_scope():
        version = app.require_registered("ystad").version
        assert "officer" in app.roles_in("ystad", officer)
    with app.request_scope():
        app.revoke_role(
            tenant.team.admin, "ystad", user_id=officer, role="officer", expected_version=version
        )
    with app.request_scope():
        assert "officer" not in app.roles_in("ystad", officer)
    assert "officer" not in app.roles_in("ystad", officer)


def test_outside_a_request_every_read_is_fresh(app: Innoledger):
    setup_tenant(app)
    loads = _counting_loads(app)
    app.require_registered("ystad")
    app.require_registered("ystad")
    assert len(loads) == 2
