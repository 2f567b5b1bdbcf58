"""Members, tokens and people across municipalities: nobody administers another municipality's
people, a token acts only where it was issued, and no role means no access.

A person who works for two municipalities (a joint purchasing unit) is a member of each and has
one directory entry in each, kept and erased by that municipality alone.
"""

from __future__ import annotations

from tests.api.conftest import Tenant, World, assert_problem

NAME = {"display_name": "Åsa Öberg", "email": "asa.oberg@ystad.se"}


def _unauthorised(response) -> None:  # type: ignore[no-untyped-def]
    assert_problem(response, 401)


def test_another_municipality_cannot_change_or_erase_a_persons_entry(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    """The reported hole: Skurup granted ystad-officer a role, then rewrote and erased the
    person as Ystad knows them."""
    ystad.admin.ok("PUT", "people/ystad-officer", 200, json=NAME)
    world.grant(skurup.admin, "skurup", "ystad-officer", "viewer")
    skurup.admin.ok(
        "PUT", "people/ystad-officer", 200, json={"display_name": "Kapad", "email": "k@x.se"}
    )
    skurup.admin.ok("DELETE", "people/ystad-officer", 204)
    # Skurup changed and erased its own entry only; Ystad's is untouched.
    own = ystad.admin.read("people/ystad-officer")
    assert own["display_name"] == NAME["display_name"] and own["email"] == NAME["email"]
    assert own["erased"] is False and own["municipality"] == "ystad"
    history = ystad.auditor.read(f"{ystad.path}/history", query={"limit": 200})
    names = {e["actor"]["display_name"] for e in history["entries"]}
    assert "Kapad" not in names


def test_a_token_of_one_municipality_has_no_rights_in_another(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    ystad.admin.ok("PUT", "people/ystad-officer", 200, json=NAME)
    world.grant(skurup.admin, "skurup", "ystad-officer", "viewer")
    skurup_token = world.issue_token(skurup.admin, "skurup", "ystad-officer")
    # Acting as "themself" with Skurup's token reaches Skurup's entry, never Ystad's.
    skurup_token.ok("PUT", "people/ystad-officer", 200, json={"display_name": "Självändrad"})
    assert ystad.admin.read("people/ystad-officer")["display_name"] == NAME["display_name"]
    need_id = world.need(ystad)
    assert_problem(skurup_token.get(f"needs/{need_id}"), 404)
    # With the role in Skurup revoked, Skurup's token acts no more, anywhere.
    skurup.admin.ok("DELETE", "municipalities/skurup/members/ystad-officer/roles/viewer", 200)
    _unauthorised(skurup_token.get("people/ystad-officer"))
    _unauthorised(skurup_token.put("people/ystad-officer", json={"display_name": "Igen"}))
    _unauthorised(skurup_token.delete("people/ystad-officer"))
    assert ystad.officer.read(f"needs/{need_id}")["owner"] == "ystad"


def test_people_of_another_municipality_are_not_confirmed(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    ystad.admin.ok("PUT", "people/ystad-officer", 200, json=NAME)
    for client in skurup.clients.values():
        known = client.get("people/ystad-officer")
        unknown = client.get("people/nobody-at-all")
        assert_problem(known, 404)
        assert_problem(unknown, 404)
        assert known.get_json()["detail"] == unknown.get_json()["detail"].replace(
            "nobody-at-all", "ystad-officer"
        )


def test_a_tenant_admin_erases_a_former_member(world: World, ystad: Tenant) -> None:
    ystad.admin.ok("PUT", "people/ystad-viewer", 200, json=NAME)
    ystad.admin.ok("DELETE", "municipalities/ystad/members/ystad-viewer/roles/viewer", 200)
    ystad.admin.ok("DELETE", "people/ystad-viewer", 204)
    erased = ystad.admin.read("people/ystad-viewer")
    assert erased["erased"] is True and erased["display_name"] is None
    assert_problem(ystad.admin.put("people/ystad-viewer", json=NAME), 409)
    # Someone who was never Ystad's is not Ystad's to record or erase.
    assert_problem(ystad.admin.put("people/skurup-officer", json=NAME), 404)
    assert_problem(ystad.admin.delete("people/skurup-officer"), 404)


def test_admins_list_a_members_tokens_without_secrets(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    second = world.issue_token(ystad.admin, "ystad", "ystad-officer", label="andra")
    listed = ystad.admin.read("municipalities/ystad/members/ystad-officer/tokens")["items"]
    assert {t["token_id"] for t in listed} == {ystad.officer.token_id, second.token_id}
    text = str(listed)
    assert second.token not in text and "secret" not in text
    ystad.admin.ok("DELETE", f"tokens/{second.token_id}", 204)
    listed = ystad.admin.read("municipalities/ystad/members/ystad-officer/tokens")["items"]
    assert [t["active"] for t in listed if t["token_id"] == second.token_id] == [False]
    # The member lists their own; nobody else does, and no other municipality.
    assert ystad.officer.read("municipalities/ystad/members/ystad-officer/tokens")["items"]
    for client in (ystad.viewer, ystad.auditor, skurup.admin, world.platform_auditor):
        response = client.get("municipalities/ystad/members/ystad-officer/tokens")
        assert response.status_code in (403, 404), (client, response.status_code)


def test_every_grant_and_revocation_is_in_the_decision_log(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    world.grant(ystad.admin, "ystad", "ystad-viewer", "officer")
    done = ystad.admin.ok("DELETE", "municipalities/ystad/members/ystad-viewer/roles/officer", 200)
    log = ystad.auditor.read(
        "audit/decisions", query={"aggregate_type": "Municipality", "position": done["position"]}
    )["items"]
    grants = [d for d in log if d["decision_type"] == "grant_role"]
    revocations = [d for d in log if d["decision_type"] == "revoke_role"]
    # The platform seated the first admin; the admin granted the rest.
    assert {(d["decided_by"], d["details"]["user_id"], d["details"]["role"]) for d in grants} >= {
        ("root", "ystad-admin", "tenant_admin"),
        ("ystad-admin", "ystad-officer", "officer"),
        ("ystad-admin", "ystad-viewer", "officer"),
    }
    assert [(d["details"]["user_id"], d["details"]["role"]) for d in revocations] == [
        ("ystad-viewer", "officer")
    ]
    assert all(d["tenant"] == "ystad" for d in grants + revocations)
    # Another municipality's auditor is not shown Ystad's grants.
    other = skurup.auditor.read(
        "audit/decisions", query={"type": "grant_role", "position": done["position"]}
    )["items"]
    assert other and all(d["tenant"] == "skurup" for d in other)
    assert "ystad-officer" not in str(other)


def test_nobody_grants_a_role_to_themself_over_http(world: World, ystad: Tenant) -> None:
    refused = ystad.admin.post(
        "municipalities/ystad/members", json={"user_id": "ystad-admin", "role": "auditor"}
    )
    assert_problem(refused, 409, rule="self_grant")
    world.grant(ystad.admin, "ystad", "ystad-second-admin", "tenant_admin")
    second = world.issue_token(ystad.admin, "ystad", "ystad-second-admin")
    world.grant(second, "ystad", "ystad-admin", "auditor")
    assert "auditor" in ystad.admin.read("municipalities/ystad")["members"]["ystad-admin"]
