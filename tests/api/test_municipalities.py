"""Municipalities (tenants) over HTTP: registration, members and roles, innovation areas,
delegation order, suspension, and reads of the municipality now and as of the past."""

from __future__ import annotations

import pytest

from tests.api.conftest import (
    API,
    COUNTY,
    MUNICIPALITIES,
    PRIORITISED_AT,
    PROCURE_AT,
    SCORES,
    Tenant,
    World,
    assert_problem,
    decision,
    full_delegation,
    now_iso,
    order_adoption,
    rule,
)

NEW = {
    "slug": "ystad",
    "name": "Ystads kommun",
    "organisation_number": "212000-1249",
    "county": COUNTY,
}


# Registration


def test_the_platform_admin_registers_the_six_pilot_municipalities(world: World) -> None:
    for slug, (name, org) in MUNICIPALITIES.items():
        response = world.platform.post(
            "municipalities",
            json={"slug": slug, "name": name, "organisation_number": org, "county": COUNTY},
        )
        assert response.status_code == 201, response.get_json()
        body = response.get_json()
        assert body["version"] == 1 and body["position"] >= 1 and body["id"]
        assert response.headers["ETag"] == '"1"'
        assert response.headers["Innoledger-Position"] == str(body["position"])
    listed = world.platform.read("municipalities")["items"]
    assert {m["slug"] for m in listed} == set(MUNICIPALITIES)
    assert {"slug": "kavlinge", "name": "Kävlinge kommun", "county": "Skåne"} in listed

    one = world.platform.get("municipalities/kavlinge")
    assert one.status_code == 200 and one.headers["ETag"].startswith('"1-')
    body = one.get_json()
    assert body["organisation_number"] == "212000-1108"
    assert body["name"] == "Kävlinge kommun" and body["suspended"] is False
    assert body["members"] == {} and body["innovation_areas"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("slug", "Ystad"),
        ("slug", "y"),
        ("slug", "1ystad"),
        ("name", ""),
        ("organisation_number", "212000-1248"),  # Luhn check digit wrong
        ("organisation_number", "2120001249x"),
        ("county", "Scania"),
    ],
)
def test_registration_refuses_invalid_input_naming_the_field(
    world: World, field: str, value: str
) -> None:
    response = world.platform.post("municipalities", json={**NEW, field: value})
    assert_problem(response, 422, field=field)


def test_registration_refuses_missing_and_unknown_fields(world: World) -> None:
    body = assert_problem(world.platform.post("municipalities", json={"slug": "ystad"}), 422)
    assert {"name", "organisation_number", "county"} <= set(body["errors"])
    response = world.platform.post("municipalities", json={**NEW, "tenant": "skurup"})
    assert_problem(response, 422, field="tenant")


def test_a_slug_is_registered_once(world: World) -> None:
    world.platform.ok("POST", "municipalities", 201, json=NEW)
    assert_problem(world.platform.post("municipalities", json=NEW), 409, rule="already_exists")


def test_only_the_platform_admin_registers(world: World, ystad: Tenant) -> None:
    other = {**NEW, "slug": "skurup", "organisation_number": "212000-1181"}
    for client in (*ystad.clients.values(), world.platform_auditor):
        assert_problem(client.post("municipalities", json=other), 403)
    assert_problem(world.anonymous().post("municipalities", json=other), 401)


def test_an_unknown_municipality_is_404(world: World, ystad: Tenant) -> None:
    assert_problem(ystad.viewer.get("municipalities/simrishamn"), 404)
    response = world.platform.post(
        "municipalities/simrishamn/members",
        if_match="1",
        json={"user_id": "a", "role": "tenant_admin"},
    )
    assert_problem(response, 404)


# Members and roles


def test_members_are_shown_to_their_own_municipality_and_the_platform_only(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    own = ystad.viewer.read("municipalities/ystad")
    assert own["members"]["ystad-officer"] == ["officer"]
    assert own["members"]["ystad-admin"] == ["tenant_admin"]
    assert world.platform.read("municipalities/ystad")["members"]["ystad-dm"] == ["decision_maker"]
    assert world.platform_auditor.read("municipalities/ystad")["members"] is not None
    other = skurup.officer.read("municipalities/ystad")
    assert other["members"] is None
    assert other["name"] == "Ystads kommun"
    assert other["delegation_orders"][0]["rules"]


def test_the_platform_seats_only_the_first_tenant_admin(world: World) -> None:
    world.register("ystad")
    members = "municipalities/ystad/members"
    assert_problem(
        world.platform.post(members, json={"user_id": "ystad-officer", "role": "officer"}), 403
    )
    world.platform.ok("POST", members, 200, json={"user_id": "ystad-admin", "role": "tenant_admin"})
    second = world.platform.post(members, json={"user_id": "intruder", "role": "tenant_admin"})
    assert_problem(second, 403)
    auditor = world.platform_auditor.post(members, json={"user_id": "x", "role": "tenant_admin"})
    assert_problem(auditor, 403)


def test_the_tenant_admin_grants_and_revokes_roles(world: World, ystad: Tenant) -> None:
    before = world.version(ystad.path)
    response = ystad.admin.post(
        "municipalities/ystad/members", json={"user_id": "anna.andersson", "role": "officer"}
    )
    assert response.status_code == 200
    assert response.get_json()["version"] == before + 1
    assert response.headers["ETag"] == f'"{before + 1}"'
    ystad.admin.ok(
        "POST",
        "municipalities/ystad/members",
        200,
        json={"user_id": "anna.andersson", "role": "viewer"},
    )
    assert ystad.admin.read("municipalities/ystad")["members"]["anna.andersson"] == [
        "officer",
        "viewer",
    ]
    ystad.admin.ok("DELETE", "municipalities/ystad/members/anna.andersson/roles/officer", 200)
    assert ystad.admin.read("municipalities/ystad")["members"]["anna.andersson"] == ["viewer"]
    ystad.admin.ok("DELETE", "municipalities/ystad/members/anna.andersson/roles/viewer", 200)
    assert "anna.andersson" not in ystad.admin.read("municipalities/ystad")["members"]


def test_role_refusals(world: World, ystad: Tenant, skurup: Tenant) -> None:
    members = "municipalities/ystad/members"
    assert_problem(
        ystad.admin.post(members, json={"user_id": "ystad-officer", "role": "officer"}),
        409,
        rule="role_held",
    )
    assert_problem(
        ystad.admin.delete(f"{members}/ystad-viewer/roles/officer"), 409, rule="role_not_held"
    )
    assert_problem(
        ystad.admin.post(members, json={"user_id": "b", "role": "king"}), 422, field="role"
    )
    assert_problem(
        ystad.admin.post(members, json={"user_id": "bad user", "role": "viewer"}),
        422,
        field="user_id",
    )
    assert_problem(
        ystad.admin.post(members, json={"user_id": "b", "role": "platform_admin"}),
        422,
        field="role",
    )
    for role in ("officer", "decision_maker", "viewer", "auditor"):
        client = ystad.clients[role]
        assert_problem(client.post(members, json={"user_id": "b", "role": "viewer"}), 403)
        assert_problem(client.delete(f"{members}/ystad-viewer/roles/viewer"), 403)
    # Another municipality's admin administers nothing here.
    assert_problem(skurup.admin.post(members, json={"user_id": "b", "role": "viewer"}), 403)
    assert_problem(skurup.admin.delete(f"{members}/ystad-viewer/roles/viewer"), 403)


def test_member_commands_need_the_current_version(world: World, ystad: Tenant) -> None:
    members = "municipalities/ystad/members"
    current = world.version(ystad.path)
    body = {"user_id": "b", "role": "viewer"}
    assert_problem(ystad.admin.post(members, json=body, if_match=None), 428)
    assert_problem(ystad.admin.post(members, json=body, if_match="*"), 428)
    stale = assert_problem(ystad.admin.post(members, json=body, if_match=current - 1), 412)
    assert stale["current_version"] == current
    stale = assert_problem(
        ystad.admin.delete(f"{members}/ystad-viewer/roles/viewer", if_match=current - 1), 412
    )
    assert stale["current_version"] == current
    assert world.version(ystad.path) == current


# Innovation areas


def test_innovation_areas_are_added_and_retired(world: World, ystad: Tenant) -> None:
    response = ystad.admin.post(
        "municipalities/ystad/innovation-areas", json={"name": "Överskottsenergi"}
    )
    assert response.status_code == 201
    area_id = response.get_json()["created"]["innovation_area_id"]
    areas = ystad.viewer.read("municipalities/ystad")["innovation_areas"]
    assert {
        "id": area_id,
        "name": "Överskottsenergi",
        "description": None,
        "visibility": "municipality",
        "retired": False,
    } in areas
    ystad.admin.ok("DELETE", f"municipalities/ystad/innovation-areas/{area_id}", 200)
    areas = ystad.viewer.read("municipalities/ystad")["innovation_areas"]
    assert next(a for a in areas if a["id"] == area_id)["retired"] is True
    # A retired area takes no new needs.
    response = ystad.officer.post(
        "needs",
        json={
            "title": "Värmeåtervinning",
            "problem_statement": "Överskottsvärme går förlorad.",
            "innovation_area_id": area_id,
        },
    )
    assert_problem(response, 409, rule="area_retired")
    again = ystad.admin.delete(f"municipalities/ystad/innovation-areas/{area_id}")
    assert_problem(again, 409, rule="area_retired")


def test_innovation_area_refusals(world: World, ystad: Tenant, skurup: Tenant) -> None:
    areas = "municipalities/ystad/innovation-areas"
    assert_problem(
        ystad.admin.post(areas, json={"name": "lärprocess för ai"}), 409, rule="area_exists"
    )
    assert_problem(ystad.admin.post(areas, json={"name": ""}), 422, field="name")
    assert_problem(ystad.admin.post(areas, json={"name": "x" * 201}), 422, field="name")
    assert_problem(ystad.admin.post(areas, json={}), 422, field="name")
    for client in (ystad.officer, ystad.dm, ystad.viewer, skurup.admin, world.platform):
        assert_problem(client.post(areas, json={"name": "Privat mark"}), 403)
        assert_problem(client.delete(f"{areas}/{ystad.area_id}"), 403)
    assert_problem(ystad.admin.post(areas, json={"name": "Privat mark"}, if_match=None), 428)


def test_retiring_an_unknown_innovation_area_is_404(ystad: Tenant) -> None:
    """The area named in the path does not exist: 404, as for an unknown SWOT item."""
    response = ystad.admin.delete(
        "municipalities/ystad/innovation-areas/00000000-0000-4000-8000-000000000000"
    )
    assert_problem(response, 404)


# Delegation order


def test_the_tenant_admin_adopts_versions_of_the_delegation_order(
    world: World, ystad: Tenant
) -> None:
    rules = [
        rule("KS-1", "award", "decision_maker", "1000000"),
        rule("KS-2", "prioritise", "officer"),
    ]
    response = ystad.admin.put(
        "municipalities/ystad/delegation-order",
        json={"effective_from": "2019-01-01", "rules": rules, **order_adoption("2018-12-12")},
    )
    assert response.status_code == 200
    assert response.get_json()["created"] == {"order_version": "2"}
    orders = ystad.viewer.read("municipalities/ystad")["delegation_orders"]
    assert [o["version"] for o in orders] == [1, 2]
    assert orders[1]["effective_from"] == "2019-01-01"
    assert orders[1]["rules"][0] == {
        "rule_id": "KS-1",
        "decision_type": "award",
        "role": "decision_maker",
        "max_value_sek": "1000000.00",
    }
    assert orders[1]["rules"][1]["max_value_sek"] is None
    # The order carries the board's decision that adopted it, recorded by the tenant admin.
    adopted = orders[1]["decision"]
    assert adopted["type"] == "adopt_delegation_order"
    assert adopted["authority"] == {
        "kind": "board",
        "body": "Kommunstyrelsen",
        "meeting_date": "2018-12-12",
        "minutes_reference": "Kommunstyrelsen 2018-12-12 § 12",
    }
    assert adopted["decided_by"] == "ystad-admin"
    assert adopted["decided_at"].startswith("2018-12-12T17:00:00")


ADOPTION = order_adoption("2018-12-12")
BOARD = ADOPTION["authority"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"effective_from": "2019-01-01", "rules": []}, "rules"),
        ({"effective_from": "2019-13-01", "rules": [rule("A", "award")]}, "effective_from"),
        ({"rules": [rule("A", "award")]}, "effective_from"),
        ({"effective_from": "2019-01-01", "rules": [rule("A", "bribe")]}, "rules"),
        ({"effective_from": "2019-01-01", "rules": [rule("A", "award", "viewer")]}, "rules"),
        (
            {"effective_from": "2019-01-01", "rules": [rule("A", "award", max_value_sek="1e6")]},
            "rules",
        ),
        (
            {"effective_from": "2019-01-01", "rules": [rule("A", "award"), rule("A", "close")]},
            "rules",
        ),
        # The board's own decision is never delegated.
        ({"effective_from": "2019-01-01", "rules": [rule("A", "adopt_delegation_order")]}, "rules"),
        # Without the board's decision there is no order: an administrator alone adopts none.
        (
            {"effective_from": "2019-01-01", "rules": [rule("A", "award")], "authority": None},
            "authority",
        ),
        (
            {
                "effective_from": "2019-01-01",
                "rules": [rule("A", "award")],
                "authority": {"kind": "delegation"},
            },
            "authority.kind",
        ),
        (
            {
                "effective_from": "2019-01-01",
                "rules": [rule("A", "award")],
                "authority": {**BOARD, "meeting_date": None},
            },
            "authority",
        ),
        (
            {
                "effective_from": "2019-01-01",
                "rules": [rule("A", "award")],
                "authority": {k: v for k, v in BOARD.items() if k != "meeting_date"},
            },
            "authority.meeting_date",
        ),
        (
            {
                "effective_from": "2019-01-01",
                "rules": [rule("A", "award")],
                "authority": {k: v for k, v in BOARD.items() if k != "body"},
            },
            "authority.body",
        ),
        (
            {
                "effective_from": "2019-01-01",
                "rules": [rule("A", "award")],
                "authority": {k: v for k, v in BOARD.items() if k != "minutes_reference"},
            },
            "authority.minutes_reference",
        ),
        (
            {
                "effective_from": "2019-01-01",
                "rules": [rule("A", "award")],
                "authority": {**BOARD, "meeting_date": "2099-01-01"},
            },
            "authority.meeting_date",
        ),
    ],
)
def test_delegation_order_refusals(ystad: Tenant, body: dict, field: str) -> None:
    response = ystad.admin.put(
        "municipalities/ystad/delegation-order",
        json={k: v for k, v in {**ADOPTION, **body}.items() if v is not None},
    )
    assert_problem(response, 422, field=field)
    assert len(ystad.viewer.read("municipalities/ystad")["delegation_orders"]) == 1


def test_an_order_takes_effect_no_earlier_than_the_meeting_that_adopted_it(
    ystad: Tenant,
) -> None:
    """Recorded today, an order effective years back would re-authorise backdated decisions."""
    today = now_iso()[:10]
    body = {
        "effective_from": "2019-01-01",
        "rules": [rule("ADM", "award", "tenant_admin")],
        **order_adoption(today),
        "decided_at": now_iso(),
    }
    refused = assert_problem(
        ystad.admin.put("municipalities/ystad/delegation-order", json=body),
        409,
        rule="effective_before_adoption",
    )
    assert set(refused["dates"].values()) == {"2019-01-01", today}
    assert len(ystad.viewer.read("municipalities/ystad")["delegation_orders"]) == 1
    ystad.admin.ok(
        "PUT", "municipalities/ystad/delegation-order", 200, json={**body, "effective_from": today}
    )


def test_a_board_decision_is_not_dated_before_its_meeting(ystad: Tenant) -> None:
    body = {
        "effective_from": "2019-01-01",
        "rules": [rule("A", "award")],
        **ADOPTION,
        "decided_at": "2018-12-11T10:00:00+01:00",
    }
    refused = assert_problem(
        ystad.admin.put("municipalities/ystad/delegation-order", json=body),
        409,
        rule="decided_before_meeting",
    )
    assert set(refused["dates"].values()) == {"2018-12-11T09:00:00+00:00", "2018-12-12"}


def test_only_the_tenant_admin_adopts_the_order(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    body = {"effective_from": "2019-01-01", "rules": full_delegation("officer"), **ADOPTION}
    for client in (
        ystad.officer,
        ystad.dm,
        ystad.auditor,
        ystad.viewer,
        skurup.admin,
        world.platform,
    ):
        assert_problem(client.put("municipalities/ystad/delegation-order", json=body), 403)
    assert_problem(
        ystad.admin.put("municipalities/ystad/delegation-order", json=body, if_match=None), 428
    )
    assert_problem(
        ystad.admin.put("municipalities/ystad/delegation-order", json=body, if_match="1"), 412
    )


def test_decisions_are_judged_by_the_order_in_force_on_decided_at(
    world: World, ystad: Tenant
) -> None:
    """From 2019 prioritising is the officer's; before that it stays the decision maker's."""
    ystad.admin.ok(
        "PUT",
        "municipalities/ystad/delegation-order",
        200,
        json={
            "effective_from": "2019-01-01",
            "rules": [rule("OFF-prio", "prioritise", "officer")],
            **ADOPTION,
        },
    )
    need_id = world.need(ystad)
    path = f"needs/{need_id}/decisions"
    refused = ystad.officer.post(path, json=decision("prioritise", PRIORITISED_AT, scores=SCORES))
    assert_problem(refused, 403, rule="not_delegated")
    ystad.officer.ok(
        "POST", path, 200, json=decision("prioritise", "2019-02-01T10:00:00+01:00", scores=SCORES)
    )
    refused = ystad.dm.post(
        path, json=decision("prioritise", "2019-03-01T10:00:00+01:00", scores=SCORES)
    )
    assert_problem(refused, 403, rule="not_delegated")
    # Recorded later, a prioritisation of another need dated in 2018 is judged by order 1.
    earlier_need = f"needs/{world.need(ystad)}"
    ystad.dm.ok(
        "POST",
        f"{earlier_need}/decisions",
        200,
        json=decision("prioritise", PRIORITISED_AT, scores=SCORES),
    )
    decisions = [
        *ystad.viewer.read(f"needs/{need_id}")["decisions"],
        *ystad.viewer.read(earlier_need)["decisions"],
    ]
    assert [d["authority"]["order_version"] for d in decisions] == [2, 1]
    assert [d["authority"]["rule_id"] for d in decisions] == ["OFF-prio", "DM-prioritise"]


# Suspension


def test_suspension_stops_a_municipality_and_reactivation_restores_it(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    need_id = world.need(ystad, shared=True)
    response = world.platform.post(
        "municipalities/ystad/suspend", json={"rationale": "Avtalet med plattformen har sagts upp"}
    )
    assert response.status_code == 200
    assert ystad.viewer.read("municipalities/ystad")["suspended"] is True
    # Nothing is deleted: the network still lists it and its shared need stays readable.
    assert "ystad" in {m["slug"] for m in skurup.viewer.read("municipalities")["items"]}
    assert skurup.viewer.read(f"needs/{need_id}")["owner"] == "ystad"
    # Its people act no more.
    assert_problem(
        ystad.officer.post(
            "needs",
            json={"title": "Ny", "problem_statement": "Ny", "innovation_area_id": ystad.area_id},
        ),
        409,
        rule="municipality_suspended",
    )
    assert_problem(
        ystad.admin.post("municipalities/ystad/members", json={"user_id": "c", "role": "viewer"}),
        409,
        rule="municipality_suspended",
    )
    assert_problem(
        ystad.dm.post(f"needs/{need_id}/decisions", json=decision("park", PROCURE_AT)),
        409,
        rule="municipality_suspended",
    )
    again = world.platform.post("municipalities/ystad/suspend", json={"rationale": "igen"})
    assert_problem(again, 409, rule="already_suspended")

    world.platform.ok(
        "POST", "municipalities/ystad/reactivate", 200, json={"rationale": "Nytt avtal tecknat"}
    )
    assert ystad.viewer.read("municipalities/ystad")["suspended"] is False
    ystad.dm.ok("POST", f"needs/{need_id}/decisions", 200, json=decision("park", PROCURE_AT))
    again = world.platform.post("municipalities/ystad/reactivate", json={"rationale": "igen"})
    assert_problem(again, 409, rule="not_suspended")


def test_only_the_platform_admin_suspends(world: World, ystad: Tenant, skurup: Tenant) -> None:
    for client in (*ystad.clients.values(), skurup.admin, world.platform_auditor):
        for action in ("suspend", "reactivate"):
            response = client.post(f"municipalities/ystad/{action}", json={"rationale": "x"})
            assert_problem(response, 403)
    assert_problem(
        world.platform.post("municipalities/ystad/suspend", json={}), 422, field="rationale"
    )
    assert_problem(
        world.platform.post("municipalities/ystad/suspend", json={"rationale": "x"}, if_match=None),
        428,
    )
    assert_problem(
        world.platform.post("municipalities/ystad/suspend", json={"rationale": "x"}, if_match="1"),
        412,
    )


# The past


def test_a_municipality_as_of_a_version(world: World, ystad: Tenant, skurup: Tenant) -> None:
    response = ystad.auditor.get("municipalities/ystad", query={"version": 1})
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('"1-')
    assert "immutable" in response.headers["Cache-Control"]
    body = response.get_json()
    assert body["version"] == 1
    assert body["members"] == {} and body["delegation_orders"] == []
    # Another municipality's officer reads the public record's past, without members.
    other = skurup.officer.read("municipalities/ystad", query={"version": 2})
    assert other["members"] is None and other["version"] == 2
    assert_problem(ystad.viewer.get("municipalities/ystad", query={"version": 1}), 403)
    assert_problem(ystad.auditor.get("municipalities/ystad", query={"version": 999}), 404)
    assert_problem(
        ystad.auditor.get("municipalities/ystad", query={"version": 0}), 422, field="version"
    )


def test_the_api_prefix_is_v1(world: World) -> None:
    assert world.platform.get(f"{API}/municipalities").status_code == 200
