"""Principals kept in memory per process, revocation at once in every process.

Two app instances share one store (as two workers or two hosts do). One of them has read with a
token (and keeps its holder in memory); every change made through the other — a revoked token,
a revoked role, a granted role — takes effect in the first with its very next request.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from service.api import create_app
from service.settings import Settings
from tests.api.conftest import Tenant, World


@pytest.fixture
def two_apps(store_settings: Settings) -> Iterator[tuple[Flask, Flask]]:
    first, second = create_app(store_settings), create_app(store_settings)
    yield first, second
    for app in (first, second):
        app.extensions["innoledger"].close()


def _status(client: FlaskClient, token: str | None, path: str) -> int:
    response = client.get(f"/api/v1/{path}", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


@pytest.fixture
def ystad(two_apps: tuple[Flask, Flask]) -> Tenant:
    return World(two_apps[0]).tenant("ystad")


def test_a_token_revoked_in_one_process_is_refused_by_the_other_at_once(
    two_apps: tuple[Flask, Flask], ystad: Tenant
) -> None:
    other = two_apps[1].test_client()
    officer = ystad.officer
    for _ in range(3):  # known to the other process from the first read on
        assert _status(other, officer.token, "needs") == 200
    ystad.admin.ok("DELETE", f"tokens/{officer.token_id}", 204)
    assert _status(other, officer.token, "needs") == 401
    assert _status(other, officer.token, "network/needs") == 401
    # Other holders are not affected (they are only checked again).
    assert _status(other, ystad.viewer.token, "needs") == 200


def test_roles_revoked_or_granted_in_one_process_apply_in_the_other_at_once(
    two_apps: tuple[Flask, Flask], ystad: Tenant
) -> None:
    other = two_apps[1].test_client()
    auditor = ystad.auditor
    assert _status(other, auditor.token, "audit/decisions") == 200
    assert _status(other, ystad.viewer.token, "audit/decisions") == 403
    members = "municipalities/ystad/members"
    # The auditor keeps a role (so keeps their tokens): only the municipality's record changes.
    ystad.admin.ok("POST", members, 200, json={"user_id": "ystad-auditor", "role": "viewer"})
    assert _status(other, auditor.token, "audit/decisions") == 200
    ystad.admin.ok("DELETE", f"{members}/ystad-auditor/roles/auditor", 200)
    assert _status(other, auditor.token, "audit/decisions") == 403
    assert _status(other, auditor.token, "needs") == 200
    ystad.admin.ok("POST", members, 200, json={"user_id": "ystad-viewer", "role": "auditor"})
    assert _status(other, ystad.viewer.token, "audit/decisions") == 200
    # The last role revoked: the holder is no one any more.
    ystad.admin.ok("DELETE", f"{members}/ystad-viewer/roles/viewer", 200)
    ystad.admin.ok("DELETE", f"{members}/ystad-viewer/roles/auditor", 200)
    assert _status(other, ystad.viewer.token, "needs") == 401


def test_a_platform_token_revoked_in_one_process_is_refused_by_the_other_at_once(
    two_apps: tuple[Flask, Flask], ystad: Tenant
) -> None:
    world = ystad.admin.world
    other = two_apps[1].test_client()
    auditor = world.platform_auditor
    assert _status(other, auditor.token, "audit/decisions?municipality=ystad") == 200
    world.platform.ok("DELETE", f"tokens/{auditor.token_id}", 204)
    assert _status(other, auditor.token, "audit/decisions?municipality=ystad") == 401


def test_a_use_case_in_the_other_process_sees_the_municipality_as_it_is_now(
    two_apps: tuple[Flask, Flask], ystad: Tenant
) -> None:
    """The other process knows the officer and has the municipality cached; an area the admin
    adds through the first process is usable there with the very next command, and again with
    the one after it (when the cached holder is confirmed current and the municipality is not
    read again)."""
    other = two_apps[1].test_client()
    headers = {"Authorization": f"Bearer {ystad.officer.token}"}

    def identify(area_id: str) -> int:
        body = {
            "title": "Digitala trygghetslarm",
            "problem_statement": "Larmen bygger på analog telefoni som försvinner.",
            "innovation_area_id": area_id,
        }
        return other.post("/api/v1/needs", json=body, headers=headers).status_code

    assert identify(ystad.area_id) == 201
    assert identify(ystad.area_id) == 201
    for name in ("Vård och omsorg i hemmet", "Trygghet och säkerhet"):
        created = ystad.admin.ok(
            "POST", "municipalities/ystad/innovation-areas", 201, json={"name": name}
        )
        new_area = created["created"]["innovation_area_id"]
        assert identify(new_area) == 201
        assert identify(new_area) == 201
    assert identify("00000000-0000-4000-8000-000000000000") == 422
