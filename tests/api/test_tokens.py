"""Bearer tokens over HTTP: issued by tenant admins (shown once), revoked, expired; roles are read
live from the municipality, so a revoked role stops working at once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.conftest import Client, Tenant, World, assert_problem


def _need_body(tenant: Tenant) -> dict:
    return {
        "title": "Samutnyttjade lokaler",
        "problem_statement": "Lokaler står tomma kvällstid.",
        "innovation_area_id": tenant.area_id,
    }


def test_a_token_is_shown_once_and_stored_only_as_a_hash(world: World, ystad: Tenant) -> None:
    response = ystad.admin.post(
        "municipalities/ystad/tokens",
        json={"user_id": "ystad-officer", "label": "Anna, laptop", "expires_in_days": 30},
    )
    assert response.status_code == 201
    issued = response.get_json()
    assert issued["user_id"] == "ystad-officer" and issued["municipality"] == "ystad"
    assert issued["token"].startswith("il_") and len(issued["token"]) > 40
    expires = datetime.fromisoformat(issued["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)
    again = ystad.admin.ok(
        "POST", "municipalities/ystad/tokens", 201, json={"user_id": "ystad-officer"}
    )
    assert again["token"] != issued["token"] and again["token_id"] != issued["token_id"]
    # Default lifetime is 90 days.
    expires = datetime.fromisoformat(again["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=90))) < timedelta(minutes=5)

    sql = world.app.extensions["innoledger"].sql
    with sql.reading() as cursor:
        row = cursor.execute(
            "SELECT * FROM api_tokens WHERE token_id = ?", (issued["token_id"],)
        ).fetchone()
    assert row is not None
    assert issued["token"] not in {str(value) for value in row.values()}
    # The random part may itself hold underscores: it is everything after `il_<token_id>_`.
    random_part = issued["token"].removeprefix(f"il_{issued['token_id']}_")
    assert len(random_part) >= 40
    assert all(random_part not in str(value) for value in row.values())

    client = Client(world, issued["token"], name="anna")
    assert client.read("municipalities/ystad")["slug"] == "ystad"


def test_token_issuing_refusals(world: World, ystad: Tenant, skurup: Tenant) -> None:
    tokens = "municipalities/ystad/tokens"
    for role in ("officer", "decision_maker", "viewer", "auditor"):
        assert_problem(ystad.clients[role].post(tokens, json={"user_id": "ystad-viewer"}), 403)
    assert_problem(skurup.admin.post(tokens, json={"user_id": "ystad-viewer"}), 403)
    # The platform issues tokens for a tenant admin only.
    assert_problem(world.platform.post(tokens, json={"user_id": "ystad-officer"}), 403)
    assert_problem(world.platform_auditor.post(tokens, json={"user_id": "ystad-admin"}), 403)
    world.platform.ok("POST", tokens, 201, json={"user_id": "ystad-admin"})
    # Only members get tokens.
    assert_problem(ystad.admin.post(tokens, json={"user_id": "stranger"}), 404)
    for body, field in (
        ({"user_id": "ystad-viewer", "expires_in_days": 0}, "expires_in_days"),
        ({"user_id": "ystad-viewer", "expires_in_days": 367}, "expires_in_days"),
        ({"user_id": "has space"}, "user_id"),
        ({}, "user_id"),
        ({"user_id": "ystad-viewer", "role": "officer"}, "role"),
    ):
        assert_problem(ystad.admin.post(tokens, json=body), 422, field=field)
    assert_problem(ystad.admin.post("municipalities/simrishamn/tokens", json={"user_id": "x"}), 404)


def _assert_unauthorised(response, *, invalid: bool) -> None:  # type: ignore[no-untyped-def]
    assert_problem(response, 401)
    challenge = response.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert ('error="invalid_token"' in challenge) is invalid


@pytest.mark.parametrize(
    "authorization",
    [None, "", "Bearer", "Bearer ", "Basic eXN0YWQ6aGVtbGln", "Token abc"],
)
def test_requests_without_a_bearer_token_are_401(world: World, authorization: str | None) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    response = world.app.test_client().get("/api/v1/municipalities", headers=headers)
    _assert_unauthorised(response, invalid=False)


def test_unknown_tampered_expired_and_revoked_tokens_are_401(world: World, ystad: Tenant) -> None:
    for secret in (
        "nonsense",
        "il_0000000000000000_" + "a" * 43,
        "il_" + "x" * 300,
        ystad.viewer.token[:-2] + ("AA" if not ystad.viewer.token.endswith("AA") else "BB"),
    ):
        _assert_unauthorised(Client(world, secret).get("municipalities"), invalid=True)

    store = world.app.extensions["innoledger"].tokens
    expired = store.issue(
        user_id="ystad-viewer",
        municipality="ystad",
        label=None,
        created_by="ystad-admin",
        lifetime=timedelta(days=1),
        now=datetime.now(UTC) - timedelta(days=1, seconds=1),
    )
    _assert_unauthorised(Client(world, expired.secret).get("municipalities"), invalid=True)
    platform_expired = store.issue(
        user_id="root",
        municipality=None,
        platform_roles=("platform_admin",),
        label=None,
        created_by="test",
        lifetime=timedelta(hours=1),
        now=datetime.now(UTC) - timedelta(hours=2),
    )
    _assert_unauthorised(Client(world, platform_expired.secret).get("municipalities"), invalid=True)

    viewer = world.issue_token(ystad.admin, "ystad", "ystad-viewer")
    assert viewer.get("municipalities").status_code == 200
    ystad.admin.ok("DELETE", f"tokens/{viewer.token_id}", 204)
    for response in (
        viewer.get("municipalities"),
        viewer.get("municipalities/ystad"),
        viewer.post("needs", json=_need_body(ystad)),
    ):
        _assert_unauthorised(response, invalid=True)
    # The member's other tokens go on working.
    assert ystad.viewer.get("municipalities").status_code == 200


def test_who_may_revoke_a_token(world: World, ystad: Tenant, skurup: Tenant) -> None:
    def fresh() -> Client:
        return world.issue_token(ystad.admin, "ystad", "ystad-officer")

    own = fresh()
    response = own.delete(f"tokens/{own.token_id}")
    assert response.status_code == 204 and response.get_data() == b""
    _assert_unauthorised(own.get("municipalities"), invalid=True)

    token = fresh()
    assert_problem(ystad.viewer.delete(f"tokens/{token.token_id}"), 404)
    assert_problem(ystad.dm.delete(f"tokens/{token.token_id}"), 404)
    assert_problem(skurup.admin.delete(f"tokens/{token.token_id}"), 404)
    assert_problem(world.platform_auditor.delete(f"tokens/{token.token_id}"), 404)
    assert token.get("municipalities").status_code == 200
    world.platform.ok("DELETE", f"tokens/{token.token_id}", 204)
    _assert_unauthorised(token.get("municipalities"), invalid=True)

    token = fresh()
    ystad.admin.ok("DELETE", f"tokens/{token.token_id}", 204)
    _assert_unauthorised(token.get("municipalities"), invalid=True)
    assert_problem(ystad.admin.delete("tokens/0123456789abcdef"), 404)


def test_a_revoked_role_stops_working_at_once(world: World, ystad: Tenant) -> None:
    """The token stays valid, but the roles it carries are read live from the municipality."""
    ystad.officer.ok("POST", "needs", 201, json=_need_body(ystad))
    world.grant(ystad.admin, "ystad", "ystad-officer", "viewer")
    ystad.admin.ok("DELETE", "municipalities/ystad/members/ystad-officer/roles/officer", 200)
    assert_problem(ystad.officer.post("needs", json=_need_body(ystad)), 403)
    ystad.viewer.read("municipalities/ystad")
    world.grant(ystad.admin, "ystad", "ystad-officer", "officer")
    ystad.officer.ok("POST", "needs", 201, json=_need_body(ystad))

    ystad.admin.ok("DELETE", "municipalities/ystad/members/ystad-admin/roles/tenant_admin", 200)
    refused = ystad.admin.post(
        "municipalities/ystad/members", json={"user_id": "ystad-admin", "role": "tenant_admin"}
    )
    _assert_unauthorised(refused, invalid=True)  # the last role went, and its tokens with it


def test_a_member_whose_roles_are_all_revoked_reads_nothing_private(
    world: World, ystad: Tenant
) -> None:
    """§3: roles come from the municipality; a user holding none is no reader any more."""
    need_id = world.need(ystad)
    assert ystad.viewer.read(f"needs/{need_id}")["owner"] == "ystad"
    procurement_id = world.procurement(ystad, need_ids=[world.need(ystad, "procurement_decided")])
    ystad.admin.ok("DELETE", "municipalities/ystad/members/ystad-viewer/roles/viewer", 200)
    assert "ystad-viewer" not in ystad.admin.read("municipalities/ystad")["members"]
    for path in (
        f"needs/{need_id}",
        f"procurements/{procurement_id}",
        "needs",
        "procurements",
        "municipalities/ystad",
        "network/needs",
    ):
        _assert_unauthorised(ystad.viewer.get(path), invalid=True)
    # Revoking the last role revoked the member's tokens; granting a role again does not
    # bring them back.
    tokens = ystad.admin.read("municipalities/ystad/members/ystad-viewer/tokens")["items"]
    assert tokens and all(t["revoked_at"] and not t["active"] for t in tokens)
    world.grant(ystad.admin, "ystad", "ystad-viewer", "viewer")
    _assert_unauthorised(ystad.viewer.get(f"needs/{need_id}"), invalid=True)
    fresh = world.issue_token(ystad.admin, "ystad", "ystad-viewer")
    assert fresh.read(f"needs/{need_id}")["owner"] == "ystad"


def test_the_platform_admin_has_no_tenant_powers(world: World, ystad: Tenant) -> None:
    need_id = world.need(ystad)
    assert_problem(world.platform.get(f"needs/{need_id}"), 404)
    assert_problem(world.platform.post("needs", json=_need_body(ystad)), 403)
    assert_problem(
        world.platform.post(
            f"needs/{need_id}/swot", json={"quadrant": "threat", "text": "x"}, if_match="5"
        ),
        404,
    )
    # The platform auditor reads every need, and writes nothing.
    assert world.platform_auditor.read(f"needs/{need_id}")["owner"] == "ystad"
    assert_problem(
        world.platform_auditor.post(
            f"needs/{need_id}/swot", json={"quadrant": "threat", "text": "x"}
        ),
        403,
    )
