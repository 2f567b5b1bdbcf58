"""No token reaches another tenant's private data, on any endpoint; shared work is readable but
not writable by others; bids stay secret before the award (spec §2, §3, §8)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import (
    AWARD_AT,
    BID_AT,
    EVALUATION_AT,
    MILESTONE_ON,
    NOTIFIED_AT,
    PROCURE_AT,
    PUBLISH_AT,
    SCORES,
    SUPPLIER_A,
    TENDER_DEADLINE,
    Client,
    Tenant,
    World,
    assert_problem,
    board,
    decision,
)

READERS = ("tenant_admin", "officer", "decision_maker", "auditor", "viewer")


def need_writes(need_id: str, item_id: str) -> list[tuple[str, str, Any]]:
    base = f"needs/{need_id}"
    return [
        ("PATCH", base, {"title": "Kapad"}),
        ("POST", f"{base}/swot", {"quadrant": "threat", "text": "x"}),
        ("DELETE", f"{base}/swot/{item_id}", None),
        ("POST", f"{base}/workshops", {"held_on": "2018-02-20", "participant_count": 3}),
        ("POST", f"{base}/share", None),
        ("POST", f"{base}/unshare", None),
        ("POST", f"{base}/decisions", decision("park", PROCURE_AT)),
        ("POST", f"{base}/decisions", board("reject", PROCURE_AT, reason="duplicate")),
        ("POST", f"{base}/decisions", decision("prioritise", PROCURE_AT, scores=SCORES)),
    ]


def procurement_writes(procurement_id: str, need_id: str) -> list[tuple[str, str, Any]]:
    base = f"procurements/{procurement_id}"
    return [
        ("PATCH", base, {"title": "Kapad"}),
        ("POST", f"{base}/participants", {"municipality": "ystad", "role": "co_lead"}),
        ("POST", f"{base}/participation", decision("join", PROCURE_AT)),
        ("POST", f"{base}/decisions", decision("cancel", PROCURE_AT)),
        ("POST", f"{base}/decisions", board("cancel", PROCURE_AT)),
        (
            "POST",
            f"{base}/market-dialogue",
            {"kind": "rfi", "held_on": "2018-06-01", "supplier_count": 3, "summary": "x"},
        ),
        (
            "POST",
            f"{base}/bids",
            {
                "tenderer_org_number": SUPPLIER_A["org_number"],
                "tenderer_name": "X",
                "received_at": BID_AT,
            },
        ),
        ("POST", f"{base}/evaluation", {}),
        (
            "POST",
            f"{base}/reviews",
            {"filed_on": "2018-12-28", "court": "FR Malmö", "applicant": "X", "reference": "1"},
        ),
        (
            "POST",
            f"{base}/reviews/00000000-0000-4000-8000-000000000000/ruling",
            {"ruled_on": "2019-01-01", "outcome": "dismissed", "summary": "x"},
        ),
        ("POST", f"{base}/milestones", {"title": "x", "reached_on": MILESTONE_ON}),
        (
            "POST",
            f"{base}/follow-ups",
            {"need_id": need_id, "followed_up_on": MILESTONE_ON, "effect": "x", "measurement": "y"},
        ),
        ("POST", f"{base}/lessons", {"text": "x", "shareable": True}),
    ]


def _state(world: World, path: str) -> dict[str, Any]:
    body = world.platform_auditor.read(path)
    return {k: v for k, v in body.items() if k not in ("created_on", "modified_on")}


def test_another_municipalitys_private_need_is_404_on_every_endpoint(
    world: World, skurup: Tenant, ystad: Tenant
) -> None:
    need_id = world.need(skurup)
    item_id = skurup.viewer.read(f"needs/{need_id}")["swot"][0]["id"]
    before = _state(world, f"needs/{need_id}")
    version = before["version"]
    for role in READERS:
        client = ystad.clients[role]
        assert_problem(client.get(f"needs/{need_id}"), 404)
        # Viewers read no past at all (403 whatever the id); the others find nothing.
        past = client.get(f"needs/{need_id}", query={"version": 1})
        assert_problem(past, 403 if role == "viewer" else 404)
        for method, path, body in need_writes(need_id, item_id):
            # The current version or a stale one: the answer never tells that it exists.
            for if_match in (version, version - 1):
                response = client.request(method, path, json=body, if_match=if_match)
                assert_problem(response, 404)
    assert_problem(ystad.officer.post(f"needs/{need_id}/co-owners", if_match=version), 404)
    assert _state(world, f"needs/{need_id}") == before
    # Nor can it be procured by another lead.
    decided = world.need(skurup, "procurement_decided")
    response = ystad.officer.post(
        "procurements",
        json={"title": "x", "description": "x", "estimated_value_sek": "1", "need_ids": [decided]},
    )
    body = assert_problem(response, 422, field="need_ids")
    assert "skurup" not in body["detail"]


def test_joining_another_municipalitys_private_need_is_404_for_every_role(
    world: World, skurup: Tenant, ystad: Tenant
) -> None:
    """§3: another tenant's private object answers 404, not 403, whatever the caller's role."""
    need_id = world.need(skurup)
    statuses = {
        role: ystad.clients[role].post(f"needs/{need_id}/co-owners", if_match=5).status_code
        for role in READERS
    }
    assert statuses == dict.fromkeys(READERS, 404)


def test_another_municipalitys_shared_need_is_readable_but_not_writable(
    world: World, skurup: Tenant, ystad: Tenant
) -> None:
    need_id = world.need(skurup, shared=True)
    item_id = skurup.viewer.read(f"needs/{need_id}")["swot"][0]["id"]
    before = _state(world, f"needs/{need_id}")
    for role in READERS:
        client = ystad.clients[role]
        read = client.read(f"needs/{need_id}")
        assert read["owner"] == "skurup" and read["swot"]
        for method, path, body in need_writes(need_id, item_id):
            response = client.request(method, path, json=body)
            assert_problem(response, 403)
    assert _state(world, f"needs/{need_id}") == before


def test_another_leads_unpublished_procurement_is_404_on_every_endpoint(
    world: World, skurup: Tenant, ystad: Tenant
) -> None:
    need_id = world.need(skurup, "procurement_decided")
    procurement_id = world.procurement(skurup, "screened", need_ids=[need_id])
    before = _state(world, f"procurements/{procurement_id}")
    version = before["version"]
    for role in READERS:
        client = ystad.clients[role]
        assert_problem(client.get(f"procurements/{procurement_id}"), 404)
        if role != "viewer":
            assert_problem(client.get(f"procurements/{procurement_id}", query={"version": 1}), 404)
        for method, path, body in procurement_writes(procurement_id, need_id):
            for if_match in (version, version - 1):
                response = client.request(method, path, json=body, if_match=if_match)
                assert_problem(response, 404)
    assert _state(world, f"procurements/{procurement_id}") == before


def test_another_leads_published_procurement_is_readable_but_not_writable(
    world: World, skurup: Tenant, ystad: Tenant
) -> None:
    need_id = world.need(skurup, "procurement_decided")
    procurement_id = world.procurement(skurup, "tendering", need_ids=[need_id])
    before = _state(world, f"procurements/{procurement_id}")
    for role in READERS:
        client = ystad.clients[role]
        assert client.read(f"procurements/{procurement_id}")["lead"] == "skurup"
        for method, path, body in procurement_writes(procurement_id, need_id):
            response = client.request(method, path, json=body)
            assert_problem(response, 403)
    assert _state(world, f"procurements/{procurement_id}") == before


def test_an_invited_municipality_reads_the_procurement_and_decides_only_its_participation(
    world: World, skurup: Tenant, ystad: Tenant
) -> None:
    need_id = world.need(skurup, "procurement_decided")
    procurement_id = world.procurement(skurup, "screened", need_ids=[need_id])
    skurup.officer.ok(
        "POST",
        f"procurements/{procurement_id}/participants",
        200,
        json={"municipality": "ystad", "role": "participant"},
    )
    for role in READERS:
        assert ystad.clients[role].read(f"procurements/{procurement_id}")["lead"] == "skurup"
    for method, path, body in procurement_writes(procurement_id, need_id):
        if path.endswith("/participation"):
            continue
        assert_problem(ystad.officer.request(method, path, json=body), 403)
        assert_problem(ystad.dm.request(method, path, json=body), 403)
    # The need addressed stays Skurup's private need.
    assert_problem(ystad.officer.get(f"needs/{need_id}"), 404)


# Roles within the own municipality


def test_viewers_read_current_state_and_write_nothing(world: World, skurup: Tenant) -> None:
    need_id = world.need(skurup, "procurement_decided")
    procurement_id = world.procurement(skurup, "contracted", need_ids=[need_id])
    viewer = skurup.viewer
    assert viewer.read(f"needs/{need_id}")["status"] == "in_procurement"
    assert viewer.read(f"procurements/{procurement_id}")["status"] == "contracted"
    assert viewer.read("municipalities/skurup")["members"]
    assert_problem(viewer.get(f"needs/{need_id}", query={"version": 1}), 403)
    assert_problem(viewer.get(f"procurements/{procurement_id}", query={"version": 1}), 403)
    assert_problem(viewer.get("municipalities/skurup", query={"version": 1}), 403)
    other_need = world.need(skurup)
    item_id = viewer.read(f"needs/{other_need}")["swot"][0]["id"]
    for method, path, body in need_writes(other_need, item_id) + procurement_writes(
        procurement_id, need_id
    ):
        assert_problem(viewer.request(method, path, json=body), 403)
    assert_problem(
        viewer.post(
            "needs",
            json={"title": "x", "problem_statement": "x", "innovation_area_id": skurup.area_id},
        ),
        403,
    )
    assert_problem(
        viewer.post(
            "procurements",
            json={
                "title": "x",
                "description": "x",
                "estimated_value_sek": "1",
                "need_ids": [other_need],
            },
        ),
        403,
    )


# Bid secrecy


def _tendering_with_bids(world: World, lead: Tenant, participant: Tenant) -> str:
    procurement_id = world.procurement(lead, "screened")
    lead.officer.ok(
        "POST",
        f"procurements/{procurement_id}/participants",
        200,
        json={"municipality": participant.slug, "role": "co_lead"},
    )
    participant.dm.ok(
        "POST",
        f"procurements/{procurement_id}/participation",
        200,
        json=decision("join", PROCURE_AT),
    )
    lead.dm.ok(
        "POST",
        f"procurements/{procurement_id}/decisions",
        200,
        json=decision(
            "publish", PUBLISH_AT, notice_id="TED-2018/S-1", tender_deadline=TENDER_DEADLINE
        ),
    )
    for org, name in (("556677-8899", "Lärande Maskiner AB"), ("556012-3456", "Torra Golv AB")):
        lead.officer.ok(
            "POST",
            f"procurements/{procurement_id}/bids",
            201,
            json={"tenderer_org_number": org, "tenderer_name": name, "received_at": BID_AT},
        )
    return procurement_id


def _assert_secret(client: Client, path: str) -> None:
    body = client.read(path)
    assert body["bids"] is None, client
    assert body["bid_count"] is None, client
    text = client.get(path).get_data(as_text=True)
    assert "556677-8899" not in text and "Lärande Maskiner" not in text, client


def _assert_visible(client: Client, path: str) -> None:
    body = client.read(path)
    assert body["bid_count"] == 2, client
    assert {b["tenderer_name"] for b in body["bids"]} == {"Lärande Maskiner AB", "Torra Golv AB"}, (
        client
    )


def test_bids_are_secret_before_the_award(
    world: World, ystad: Tenant, trelleborg: Tenant, skurup: Tenant
) -> None:
    """Only the lead's officers, decision makers and auditors (and platform auditors) see bids
    and tenderers before the award; participants, even a co-lead, and the network do not."""
    procurement_id = _tendering_with_bids(world, ystad, trelleborg)
    path = f"procurements/{procurement_id}"
    for client in (ystad.officer, ystad.dm, ystad.auditor, world.platform_auditor):
        _assert_visible(client, path)
    for client in (
        ystad.viewer,
        ystad.admin,
        *trelleborg.clients.values(),
        *skurup.clients.values(),
    ):
        _assert_secret(client, path)

    ystad.officer.ok("POST", f"{path}/evaluation", 201, json={"at": EVALUATION_AT})
    for client in (ystad.viewer, trelleborg.officer, trelleborg.dm, skurup.auditor):
        _assert_secret(client, path)
        if client is not ystad.viewer:
            past = client.read(path, query={"version": 2})
            assert past["bids"] is None and past["bid_count"] is None

    ystad.dm.ok(
        "POST",
        f"{path}/decisions",
        200,
        json=decision(
            "award",
            AWARD_AT,
            suppliers=[SUPPLIER_A],
            evaluation_summary="Bäst",
            notification_sent_at=NOTIFIED_AT,
            sent_electronically=True,
        ),
    )
    for client in (
        ystad.viewer,
        ystad.admin,
        *trelleborg.clients.values(),
        *skurup.clients.values(),
        ystad.officer,
    ):
        _assert_visible(client, path)


def test_the_secret_is_kept_in_every_answer_about_bids(
    world: World, ystad: Tenant, trelleborg: Tenant
) -> None:
    """A participant learns nothing of the bids from the procurement's read, its past states,
    or refusals of the lead's bid commands."""
    procurement_id = _tendering_with_bids(world, ystad, trelleborg)
    path = f"procurements/{procurement_id}"
    version = world.version(f"/api/v1/{path}")
    for query in ({}, {"version": version}, {"version": version - 1}):
        text = trelleborg.auditor.get(path, query=query).get_data(as_text=True)
        assert "556677-8899" not in text and "Torra Golv" not in text
    response = trelleborg.officer.post(
        f"{path}/bids",
        json={
            "tenderer_org_number": "556677-8899",
            "tenderer_name": "Lärande Maskiner AB",
            "received_at": BID_AT,
        },
    )
    body = assert_problem(response, 403)
    assert "tendered already" not in body.get("detail", "")


@pytest.mark.parametrize("role", ["officer", "decision_maker", "auditor"])
def test_the_leads_bid_readers_see_bids_before_the_award(
    world: World, ystad: Tenant, trelleborg: Tenant, role: str
) -> None:
    procurement_id = _tendering_with_bids(world, ystad, trelleborg)
    _assert_visible(ystad.clients[role], f"procurements/{procurement_id}")
