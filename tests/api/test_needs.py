"""Needs (behov) over HTTP: identify, read, edit, SWOT, workshops, sharing, co-owners, every
decision, the delegation order behind them, and reads as of the past."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import (
    PRIORITISED_AT,
    PROCURE_AT,
    SCORES,
    SWOT,
    Tenant,
    World,
    assert_problem,
    board,
    decision,
    now_iso,
    rule,
)


def need_body(tenant: Tenant, **changes: Any) -> dict[str, Any]:
    return {
        "title": "Rena och torra golv i förskolan",
        "problem_statement": "Barn kryper på golv som är blöta och smutsiga vintertid.",
        "innovation_area_id": tenant.area_id,
        "affected_end_users": ["barn", "pedagoger", "lokalvårdare"],
        "competences": ["förskola", "lokalvård", "upphandling"],
        **changes,
    }


# Identify and read


def test_an_officer_identifies_a_need(world: World, skurup: Tenant) -> None:
    response = skurup.officer.post("needs", json=need_body(skurup))
    assert response.status_code == 201
    created = response.get_json()
    assert created["version"] == 1 and created["position"] >= 1
    assert response.headers["ETag"] == '"1"'
    read = skurup.viewer.get(f"needs/{created['id']}")
    # The read's ETag names version 1 as this caller is shown it (test_conditional_reads).
    assert read.status_code == 200 and read.headers["ETag"].startswith('"1-')
    need = read.get_json()
    assert need["id"] == created["id"]
    assert need["owner"] == "skurup" and need["co_owners"] == []
    assert need["title"] == "Rena och torra golv i förskolan"
    assert need["affected_end_users"] == ["barn", "pedagoger", "lokalvårdare"]
    assert need["status"] == "identified" and need["visibility"] == "private"
    assert need["swot"] == [] and need["workshops"] == [] and need["scorings"] == []
    assert need["weighted_total"] is None and need["decisions"] == []
    assert need["procurement_id"] is None and need["rejection_reason"] is None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"title": None}, "title"),
        ({"title": "Golv\u0000"}, "title"),
        ({"title": "   "}, "title"),
        ({"problem_statement": ""}, "problem_statement"),
        ({"innovation_area_id": "not-a-uuid"}, "innovation_area_id"),
        ({"innovation_area_id": "00000000-0000-4000-8000-000000000000"}, "innovation_area_id"),
        ({"affected_end_users": "barn"}, "affected_end_users"),
        ({"competences": [""]}, "competences"),
        ({"owner": "ystad"}, "owner"),
        ({"status": "prioritised"}, "status"),
    ],
)
def test_identify_refuses_invalid_input_naming_the_field(
    skurup: Tenant, changes: dict[str, Any], field: str
) -> None:
    assert_problem(
        skurup.officer.post("needs", json=need_body(skurup, **changes)), 422, field=field
    )


def test_identify_refuses_missing_fields_and_another_municipalitys_area(
    skurup: Tenant, ystad: Tenant
) -> None:
    body = assert_problem(skurup.officer.post("needs", json={}), 422)
    assert {"title", "problem_statement", "innovation_area_id"} <= set(body["errors"])
    response = skurup.officer.post(
        "needs", json=need_body(skurup, innovation_area_id=ystad.area_id)
    )
    assert_problem(response, 422, field="innovation_area_id")


def test_only_officers_identify_needs(world: World, skurup: Tenant) -> None:
    for role in ("tenant_admin", "decision_maker", "viewer", "auditor"):
        assert_problem(skurup.clients[role].post("needs", json=need_body(skurup)), 403)
    assert_problem(world.platform.post("needs", json=need_body(skurup)), 403)


def test_an_unknown_need_is_404(skurup: Tenant) -> None:
    assert_problem(skurup.viewer.get("needs/00000000-0000-4000-8000-000000000000"), 404)
    assert_problem(skurup.viewer.get("needs/not-a-uuid"), 404)
    response = skurup.officer.patch(
        "needs/00000000-0000-4000-8000-000000000000", json={"title": "x"}, if_match="1"
    )
    assert_problem(response, 404)


# Edit


def test_the_owner_edits_the_description(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    response = skurup.officer.patch(
        f"needs/{need_id}", json={"title": "Torra golv", "competences": ["lokalvård", "förskola"]}
    )
    assert response.status_code == 200
    assert response.get_json()["version"] == 6
    assert response.headers["ETag"] == '"6"'
    need = skurup.viewer.read(f"needs/{need_id}")
    assert need["title"] == "Torra golv" and need["competences"] == ["lokalvård", "förskola"]
    assert need["problem_statement"].startswith("Lärare")


def test_edit_refusals(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    path = f"needs/{need_id}"
    assert_problem(skurup.officer.patch(path, json={"status": "realised"}), 422, field="status")
    assert_problem(skurup.officer.patch(path, json={"title": ""}), 422, field="title")
    assert_problem(
        skurup.officer.patch(path, json={"innovation_area_id": "nope"}),
        422,
        field="innovation_area_id",
    )
    assert_problem(skurup.officer.patch(path, json={}), 409, rule="no_change")
    assert_problem(
        skurup.officer.patch(path, json={"title": "Lärprocess för AI"}), 409, rule="no_change"
    )
    for role in ("tenant_admin", "decision_maker", "viewer", "auditor"):
        assert_problem(skurup.clients[role].patch(path, json={"title": "Ny"}), 403)
    assert_problem(skurup.officer.patch(path, json={"title": "Ny"}, if_match=None), 428)
    assert_problem(skurup.officer.patch(path, json={"title": "Ny"}, if_match="*"), 428)
    assert_problem(skurup.officer.patch(path, json={"title": "Ny"}, if_match='W/"5"'), 428)
    stale = assert_problem(skurup.officer.patch(path, json={"title": "Ny"}, if_match="4"), 412)
    assert stale["current_version"] == 5 and stale["rule"] == "version_mismatch"
    assert skurup.viewer.read(path)["title"] == "Lärprocess för AI"

    decided = world.need(skurup, "procurement_decided")
    assert_problem(
        skurup.officer.patch(f"needs/{decided}", json={"title": "Ny"}), 409, rule="wrong_state"
    )


# SWOT and workshops


def test_swot_items_are_added_and_removed(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup, swot=False)
    response = skurup.officer.post(
        f"needs/{need_id}/swot", json={"quadrant": "threat", "text": "Halka vid entrén"}
    )
    assert response.status_code == 201
    item_id = response.get_json()["created"]["item_id"]
    need = skurup.viewer.read(f"needs/{need_id}")
    assert need["swot"] == [
        {
            "id": item_id,
            "quadrant": "threat",
            "text": "Halka vid entrén",
            "author": "skurup-officer",
        }
    ]
    skurup.officer.ok("DELETE", f"needs/{need_id}/swot/{item_id}", 200)
    assert skurup.viewer.read(f"needs/{need_id}")["swot"] == []
    assert_problem(skurup.officer.delete(f"needs/{need_id}/swot/{item_id}"), 404)


def test_swot_refusals(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    swot = f"needs/{need_id}/swot"
    assert_problem(
        skurup.officer.post(swot, json={"quadrant": "hope", "text": "x"}), 422, field="quadrant"
    )
    assert_problem(
        skurup.officer.post(swot, json={"quadrant": "threat", "text": ""}), 422, field="text"
    )
    assert_problem(skurup.officer.post(swot, json={"quadrant": "threat"}), 422, field="text")
    item_id = skurup.viewer.read(f"needs/{need_id}")["swot"][0]["id"]
    for role in ("tenant_admin", "decision_maker", "viewer", "auditor"):
        client = skurup.clients[role]
        assert_problem(client.post(swot, json={"quadrant": "threat", "text": "x"}), 403)
        assert_problem(client.delete(f"{swot}/{item_id}"), 403)
    assert_problem(
        skurup.officer.post(swot, json={"quadrant": "threat", "text": "x"}, if_match=None), 428
    )
    assert_problem(skurup.officer.delete(f"{swot}/{item_id}", if_match=None), 428)
    assert_problem(skurup.officer.delete(f"{swot}/{item_id}", if_match="2"), 412)
    decided = world.need(skurup, "procurement_decided")
    assert_problem(
        skurup.officer.post(f"needs/{decided}/swot", json={"quadrant": "threat", "text": "x"}),
        409,
        rule="wrong_state",
    )


def test_workshops_are_recorded(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    response = skurup.officer.post(
        f"needs/{need_id}/workshops",
        json={
            "held_on": "2018-02-20",
            "competences_present": ["förskola", "lokalvård", "IT"],
            "participant_count": 12,
            "notes": "Tvärfunktionell workshop i Skurup",
        },
    )
    assert response.status_code == 201
    workshop_id = response.get_json()["created"]["workshop_id"]
    skurup.officer.ok(
        "POST",
        f"needs/{need_id}/workshops",
        201,
        json={"held_on": "2018-03-01", "participant_count": 3},
    )
    workshops = skurup.viewer.read(f"needs/{need_id}")["workshops"]
    assert workshops[0] == {
        "id": workshop_id,
        "held_on": "2018-02-20",
        "competences_present": ["förskola", "lokalvård", "IT"],
        "participant_count": 12,
        "notes": "Tvärfunktionell workshop i Skurup",
    }
    assert workshops[1]["competences_present"] == [] and workshops[1]["notes"] is None


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"held_on": "2018-02-30", "participant_count": 3}, "held_on"),
        ({"participant_count": 3}, "held_on"),
        ({"held_on": "2018-02-20", "participant_count": 0}, "participant_count"),
        ({"held_on": "2018-02-20", "participant_count": "many"}, "participant_count"),
        ({"held_on": "2018-02-20", "participant_count": 3, "place": "Ystad"}, "place"),
    ],
)
def test_workshop_refusals(world: World, skurup: Tenant, body: dict, field: str) -> None:
    need_id = world.need(skurup, swot=False)
    assert_problem(skurup.officer.post(f"needs/{need_id}/workshops", json=body), 422, field=field)


def test_only_officers_record_workshops(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup, swot=False)
    body = {"held_on": "2018-02-20", "participant_count": 3}
    for role in ("tenant_admin", "decision_maker", "viewer", "auditor"):
        assert_problem(skurup.clients[role].post(f"needs/{need_id}/workshops", json=body), 403)
    assert_problem(skurup.officer.post(f"needs/{need_id}/workshops", json=body, if_match="9"), 412)


# Network: sharing and co-owners


def test_share_join_as_co_owner_and_unshare(world: World, skurup: Tenant, ystad: Tenant) -> None:
    need_id = world.need(skurup)
    path = f"needs/{need_id}"
    assert_problem(ystad.officer.get(path), 404)
    assert_problem(ystad.officer.post(f"{path}/co-owners", if_match="5"), 404)
    skurup.officer.ok("POST", f"{path}/share", 200)
    assert skurup.viewer.read(path)["visibility"] == "shared"
    assert_problem(skurup.officer.post(f"{path}/share"), 409, rule="already_shared")
    assert ystad.viewer.read(path)["title"] == "Lärprocess för AI"

    skurup.officer.ok("POST", f"{path}/unshare", 200)
    assert_problem(ystad.viewer.get(path), 404)
    assert_problem(skurup.officer.post(f"{path}/unshare"), 409, rule="not_shared")
    skurup.officer.ok("POST", f"{path}/share", 200)

    # Joining is the joining municipality's own act, by its officer.
    for role in ("tenant_admin", "decision_maker", "viewer", "auditor"):
        assert_problem(ystad.clients[role].post(f"{path}/co-owners"), 403)
    assert_problem(skurup.officer.post(f"{path}/co-owners"), 409, rule="is_owner")
    response = ystad.officer.post(f"{path}/co-owners")
    assert response.status_code == 200
    assert ystad.viewer.read(path)["co_owners"] == ["ystad"]
    assert_problem(ystad.officer.post(f"{path}/co-owners"), 409, rule="co_owner")
    assert_problem(skurup.officer.post(f"{path}/unshare"), 409, rule="has_co_owners")

    # A co-owner analyses the need, but the owner alone describes, shares and decides on it.
    ystad.officer.ok(
        "POST",
        f"{path}/swot",
        201,
        json={"quadrant": "opportunity", "text": "Ystad har samma problem"},
    )
    ystad.officer.ok(
        "POST", f"{path}/workshops", 201, json={"held_on": "2018-03-05", "participant_count": 8}
    )
    item_id = ystad.viewer.read(path)["swot"][-1]["id"]
    assert ystad.viewer.read(path)["swot"][-1]["author"] == "ystad-officer"
    ystad.officer.ok("DELETE", f"{path}/swot/{item_id}", 200)
    assert_problem(ystad.officer.patch(path, json={"title": "Vår titel"}), 403)
    assert_problem(ystad.officer.post(f"{path}/unshare"), 403)
    assert_problem(ystad.dm.post(f"{path}/decisions", json=decision("park", PROCURE_AT)), 403)
    assert_problem(ystad.dm.post(f"{path}/decisions", json=board("park", PROCURE_AT)), 403)


def test_share_refusals(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    for role in ("tenant_admin", "decision_maker", "viewer", "auditor"):
        assert_problem(skurup.clients[role].post(f"needs/{need_id}/share"), 403)
    assert_problem(skurup.officer.post(f"needs/{need_id}/share", if_match=None), 428)
    assert_problem(skurup.officer.post(f"needs/{need_id}/share", if_match="1"), 412)
    private = world.need(skurup)
    assert_problem(skurup.officer.post(f"needs/{private}/co-owners"), 409, rule="not_shared")


def test_only_shared_needs_are_co_owned(world: World, skurup: Tenant, ystad: Tenant) -> None:
    """Co-owning is for shared needs; the owner's own officer gets a 409, not a 404."""
    need_id = world.need(skurup, shared=True)
    skurup.officer.ok("POST", f"needs/{need_id}/unshare", 200)
    assert_problem(ystad.officer.post(f"needs/{need_id}/co-owners", if_match="6"), 404)


# Decisions


def test_prioritise_keeps_every_scoring(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    path = f"needs/{need_id}/decisions"
    response = skurup.dm.post(
        path,
        json=decision(
            "prioritise", PRIORITISED_AT, scores=SCORES, rationale="Hög påverkan på barnen"
        ),
    )
    assert response.status_code == 200 and response.get_json()["version"] == 6
    weights = {
        "impact": 2,
        "feasibility": 1,
        "market_readiness": 1,
        "cost_viability": 1,
        "organisational_readiness": "1",
    }
    skurup.dm.ok(
        "POST",
        path,
        200,
        json=decision(
            "prioritise",
            "2018-03-20T10:00:00+01:00",
            scores={**SCORES, "impact": 3},
            weights=weights,
        ),
    )
    need = skurup.viewer.read(f"needs/{need_id}")
    assert need["status"] == "prioritised"
    assert [s["scores"]["impact"] for s in need["scorings"]] == [5, 3]
    assert need["scorings"][0]["weighted_total"] == "4.00"
    # (3*2 + 4 + 3 + 4 + 4) / 6
    assert need["scorings"][1]["weighted_total"] == "3.50"
    assert need["weighted_total"] == "3.50"
    first = need["decisions"][0]
    assert first["type"] == "prioritise" and first["rationale"] == "Hög påverkan på barnen"
    assert first["decided_by"] == "skurup-dm" and first["municipality"] == "skurup"
    assert first["decided_at"] == "2018-03-14T09:00:00+00:00"
    assert first["authority"] == {
        "kind": "delegation",
        "rule_id": "DM-prioritise",
        "order_version": 1,
        "role": "decision_maker",
        "max_value_sek": None,
    }


def test_prioritising_needs_a_complete_swot(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup, swot=False)
    skurup.officer.ok(
        "POST",
        f"needs/{need_id}/swot",
        201,
        json={"quadrant": "strength", "text": SWOT["strength"]},
    )
    response = skurup.dm.post(
        f"needs/{need_id}/decisions", json=decision("prioritise", PRIORITISED_AT, scores=SCORES)
    )
    body = assert_problem(response, 409, rule="swot_incomplete")
    assert "weakness" in body["detail"] and "threat" in body["detail"]


def test_park_reopen_reject(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    path = f"needs/{need_id}/decisions"
    skurup.dm.ok("POST", path, 200, json=decision("park", PRIORITISED_AT))
    assert skurup.viewer.read(f"needs/{need_id}")["status"] == "parked"
    assert_problem(
        skurup.dm.post(path, json=decision("prioritise", PROCURE_AT, scores=SCORES)),
        409,
        rule="wrong_state",
    )
    skurup.dm.ok("POST", path, 200, json=decision("reopen", PROCURE_AT))
    assert skurup.viewer.read(f"needs/{need_id}")["status"] == "identified"
    assert_problem(
        skurup.dm.post(path, json=decision("reopen", PROCURE_AT)), 409, rule="wrong_state"
    )
    skurup.dm.ok("POST", path, 200, json=decision("reject", PROCURE_AT, reason="met_in_house"))
    need = skurup.viewer.read(f"needs/{need_id}")
    assert need["status"] == "rejected" and need["rejection_reason"] == "met_in_house"
    assert [d["type"] for d in need["decisions"]] == ["park", "reopen", "reject"]
    # Rejected is terminal.
    for body in (
        decision("reopen", PROCURE_AT),
        decision("park", PROCURE_AT),
        decision("prioritise", PROCURE_AT, scores=SCORES),
        decision("reject", PROCURE_AT, reason="other"),
    ):
        assert_problem(skurup.dm.post(path, json=body), 409, rule="wrong_state")
    assert_problem(
        skurup.officer.post(f"needs/{need_id}/swot", json={"quadrant": "threat", "text": "x"}),
        409,
        rule="wrong_state",
    )


def test_decide_to_procure_only_after_prioritising(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    path = f"needs/{need_id}/decisions"
    assert_problem(
        skurup.dm.post(path, json=decision("decide_to_procure", PROCURE_AT)),
        409,
        rule="wrong_state",
    )
    skurup.dm.ok("POST", path, 200, json=decision("prioritise", PRIORITISED_AT, scores=SCORES))
    skurup.dm.ok(
        "POST",
        path,
        200,
        json=decision("decide_to_procure", PROCURE_AT, rationale="Anskaffningsbeslut"),
    )
    need = skurup.viewer.read(f"needs/{need_id}")
    assert need["status"] == "procurement_decided"
    assert need["decisions"][-1]["rationale"] == "Anskaffningsbeslut"
    # Decided needs are no longer parked, rejected or re-prioritised.
    for body in (
        decision("park", PROCURE_AT),
        decision("reject", PROCURE_AT, reason="other"),
        decision("prioritise", PROCURE_AT, scores=SCORES),
        decision("decide_to_procure", PROCURE_AT),
    ):
        assert_problem(skurup.dm.post(path, json=body), 409, rule="wrong_state")


def test_a_need_in_no_procurement_is_not_realised(world: World, skurup: Tenant) -> None:
    """mark_realised is allowed from in_procurement only: any other state is a 409 conflict."""
    for state in ("identified", "procurement_decided"):
        need_id = world.need(skurup, state)
        response = skurup.dm.post(
            f"needs/{need_id}/decisions", json=decision("mark_realised", PROCURE_AT)
        )
        assert_problem(response, 409)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**decision("prioritise", PRIORITISED_AT)}, "scores"),
        ({**decision("prioritise", PRIORITISED_AT, scores={**SCORES, "impact": 6})}, "scores"),
        ({**decision("prioritise", PRIORITISED_AT, scores={**SCORES, "beauty": 3})}, "scores"),
        (
            {**decision("prioritise", PRIORITISED_AT, scores=SCORES, weights={"impact": -1})},
            "weights",
        ),
        ({**decision("reject", PRIORITISED_AT)}, "reason"),
        ({**decision("reject", PRIORITISED_AT, reason="boring")}, "reason"),
        ({**decision("celebrate", PRIORITISED_AT)}, "type"),
        ({**decision("park", PRIORITISED_AT), "type": None}, "type"),
        ({**decision("park", PRIORITISED_AT), "rationale": ""}, "rationale"),
        ({**decision("park", PRIORITISED_AT), "rationale": None}, "rationale"),
        (
            {k: v for k, v in decision("park", PRIORITISED_AT).items() if k != "authority"},
            "authority",
        ),
        ({**decision("park", PRIORITISED_AT), "authority": {"kind": "whim"}}, "authority"),
        ({**board("park", PRIORITISED_AT), "authority": {"kind": "board"}}, "authority"),
        ({**decision("park", "2018-03-14T10:00:00")}, "decided_at"),
        ({**decision("park", "yesterday")}, "decided_at"),
        (
            {k: v for k, v in decision("park", PRIORITISED_AT).items() if k != "decided_at"},
            "decided_at",
        ),
        ({**decision("park", PRIORITISED_AT), "decided_by": "someone-else"}, "decided_by"),
        ({**decision("park", PRIORITISED_AT), "municipality": "ystad"}, "municipality"),
    ],
)
def test_decision_refusals_name_the_field(
    world: World, skurup: Tenant, body: dict, field: str
) -> None:
    need_id = world.need(skurup)
    response = skurup.dm.post(f"needs/{need_id}/decisions", json=body)
    assert_problem(response, 422, field=field)
    assert skurup.viewer.read(f"needs/{need_id}")["decisions"] == []


def test_a_decision_is_not_taken_in_the_future(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    response = skurup.dm.post(
        f"needs/{need_id}/decisions",
        json=decision("park", now_iso(timedelta(hours=1))),
    )
    assert_problem(response, 422, field="decided_at")
    # Now is fine.
    skurup.dm.ok("POST", f"needs/{need_id}/decisions", 200, json=decision("park", now_iso()))


def test_decisions_need_delegation_or_a_board_decision(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    path = f"needs/{need_id}/decisions"
    # The officer holds no delegation rule: refused, unless recording a board decision.
    refused = skurup.officer.post(path, json=decision("park", PRIORITISED_AT))
    body = assert_problem(refused, 403, rule="not_delegated")
    assert "park" in body["detail"]
    for role in ("viewer", "auditor", "tenant_admin"):
        assert_problem(skurup.clients[role].post(path, json=decision("park", PRIORITISED_AT)), 403)
        assert_problem(
            skurup.clients[role].post(path, json=board("park", PRIORITISED_AT)),
            403,
            rule="role_missing",
        )
    # A rule that does not exist or is not the decider's is not relied on.
    assert_problem(
        skurup.dm.post(path, json=decision("park", PRIORITISED_AT, rule_id="DM-award")),
        403,
        rule="not_delegated",
    )
    # No order was in force before 2018.
    assert_problem(
        skurup.dm.post(path, json=decision("park", "2017-12-31T10:00:00+01:00")),
        403,
        rule="no_delegation_order",
    )
    skurup.officer.ok(
        "POST",
        path,
        200,
        json=board(
            "prioritise",
            PRIORITISED_AT,
            scores=SCORES,
            minutes_reference="Kommunstyrelsen 2018-03-14 § 45",
        ),
    )
    recorded = skurup.viewer.read(f"needs/{need_id}")["decisions"][0]
    assert recorded["authority"] == {
        "kind": "board",
        "body": "Kommunstyrelsen",
        "meeting_date": "2018-03-14",
        "minutes_reference": "Kommunstyrelsen 2018-03-14 § 45",
    }
    assert recorded["decided_by"] == "skurup-officer"
    skurup.dm.ok(
        "POST",
        path,
        200,
        json=decision("decide_to_procure", PROCURE_AT, rule_id="DM-decide_to_procure"),
    )


def test_the_order_in_force_is_that_of_the_stockholm_date(world: World, skurup: Tenant) -> None:
    """The order takes effect on 2018-01-01 in Stockholm: 23:30 UTC on New Year's Eve is
    already 2018 there, 22:30 UTC is not."""
    need_id = world.need(skurup)
    path = f"needs/{need_id}/decisions"
    assert_problem(
        skurup.dm.post(path, json=decision("park", "2017-12-31T22:30:00+00:00")),
        403,
        rule="no_delegation_order",
    )
    skurup.dm.ok("POST", path, 200, json=decision("park", "2017-12-31T23:30:00+00:00"))


def test_an_officer_with_a_delegation_rule_decides(world: World) -> None:
    tenant = world.tenant("skurup", rules=[rule("KS-7", "park", "officer")])
    need_id = world.need(tenant)
    tenant.officer.ok(
        "POST", f"needs/{need_id}/decisions", 200, json=decision("park", PRIORITISED_AT)
    )
    recorded = tenant.viewer.read(f"needs/{need_id}")["decisions"][0]
    assert recorded["authority"]["rule_id"] == "KS-7"
    assert recorded["authority"]["role"] == "officer"
    # The decision maker holds no rule for reopening in this order.
    assert_problem(
        tenant.dm.post(f"needs/{need_id}/decisions", json=decision("reopen", PROCURE_AT)),
        403,
        rule="not_delegated",
    )


def test_decision_version_checks(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup)
    path = f"needs/{need_id}/decisions"
    assert_problem(skurup.dm.post(path, json=decision("park", PRIORITISED_AT), if_match=None), 428)
    assert_problem(skurup.dm.post(path, json=decision("park", PRIORITISED_AT), if_match="*"), 428)
    stale = assert_problem(
        skurup.dm.post(path, json=decision("park", PRIORITISED_AT), if_match="1"), 412
    )
    assert stale["current_version"] == 5
    assert_problem(skurup.dm.post(path, json=decision("park", PRIORITISED_AT), if_match="999"), 412)


# The past


def test_a_need_as_of_a_version_and_a_moment(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup, swot=False)
    path = f"needs/{need_id}"
    first = skurup.viewer.read(path)
    skurup.officer.ok("PATCH", path, 200, json={"title": "Torra golv"})
    skurup.officer.ok("POST", f"{path}/share", 200)
    for client in (skurup.auditor, skurup.officer, skurup.dm, skurup.admin, world.platform_auditor):
        response = client.get(path, query={"version": 1})
        assert response.status_code == 200, response.get_json()
        assert response.headers["ETag"].startswith('"1-')
        assert "immutable" in response.headers["Cache-Control"]
        old = response.get_json()
        assert old["version"] == 1 and old["title"] == "Lärprocess för AI"
        assert old["visibility"] == "private"

    second = skurup.auditor.read(path, query={"version": 2})
    assert second["title"] == "Torra golv" and second["visibility"] == "private"
    response = skurup.auditor.get(path, query={"as_of": first["modified_on"]})
    assert response.status_code == 200
    # A moment of the last minutes is not settled yet (a writer's clock may lag), so the
    # answer must not be cached as immutable.
    assert "immutable" not in response.headers.get("Cache-Control", "")
    assert response.get_json()["version"] == 1
    latest = skurup.auditor.get(path, query={"as_of": now_iso()})
    assert latest.get_json()["version"] == 3 and latest.headers["ETag"].startswith('"3-')
    current = skurup.auditor.get(path)
    assert "immutable" not in current.headers.get("Cache-Control", "")

    assert_problem(skurup.viewer.get(path, query={"version": 1}), 403)
    assert_problem(skurup.viewer.get(path, query={"as_of": now_iso()}), 403)
    assert_problem(skurup.auditor.get(path, query={"as_of": "2018-01-01T00:00:00+00:00"}), 404)
    assert_problem(skurup.auditor.get(path, query={"version": 4}), 404)
    assert_problem(skurup.auditor.get(path, query={"version": 0}), 422, field="version")
    assert_problem(skurup.auditor.get(path, query={"version": "one"}), 422, field="version")
    assert_problem(
        skurup.auditor.get(path, query={"as_of": "2018-01-01T00:00:00"}), 422, field="as_of"
    )
    assert_problem(skurup.auditor.get(path, query={"version": 1, "as_of": now_iso()}), 422)


def test_the_past_is_read_right_across_snapshots(make_app: Any) -> None:
    """With a snapshot every third event, each version still reads as it was."""
    world = World(make_app(snapshot_interval=3))
    skurup = world.tenant("skurup")
    need_id = world.need(skurup, swot=False)
    for index in range(10):
        skurup.officer.ok(
            "POST",
            f"needs/{need_id}/swot",
            201,
            json={"quadrant": "threat", "text": f"Risk {index}"},
        )
    moments = {}
    for version in range(1, 12):
        past = skurup.auditor.read(f"needs/{need_id}", query={"version": version})
        assert past["version"] == version
        assert [item["text"] for item in past["swot"]] == [f"Risk {i}" for i in range(version - 1)]
        moments[version] = past["modified_on"]
    for version in (1, 4, 9):
        past = skurup.auditor.read(f"needs/{need_id}", query={"as_of": moments[version]})
        assert past["version"] == version
    assert len(skurup.viewer.read(f"needs/{need_id}")["swot"]) == 10


def test_the_past_of_another_municipalitys_private_need_is_404(
    world: World, skurup: Tenant, ystad: Tenant
) -> None:
    need_id = world.need(skurup, shared=True)
    assert ystad.auditor.read(f"needs/{need_id}", query={"version": 1})["owner"] == "skurup"
    skurup.officer.ok("POST", f"needs/{need_id}/unshare", 200)
    # Shared once and private now: private, history included.
    for query in ({"version": 1}, {"version": 6}, {"as_of": now_iso()}):
        assert_problem(ystad.auditor.get(f"needs/{need_id}", query=query), 404)
