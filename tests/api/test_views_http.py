"""The read models over HTTP: own lists, network views and the decision log, with
read-your-writes by position and the visibility rules of the spec."""

from __future__ import annotations

from tests.api.conftest import (
    PROCURE_AT,
    Tenant,
    World,
    assert_problem,
    decision,
)


def _position(response) -> int:  # type: ignore[no-untyped-def]
    return int(response.headers["Innoledger-Position"])


def test_a_command_then_a_read_naming_its_position_sees_the_change(
    world: World, ystad: Tenant
) -> None:
    created = ystad.officer.ok(
        "POST",
        "needs",
        201,
        json={
            "title": "Tillgängliga lekplatser",
            "problem_statement": "Barn med funktionsnedsättning kan inte använda lekplatserna.",
            "innovation_area_id": ystad.area_id,
        },
    )
    listed = ystad.officer.get("needs", query={"position": created["position"]})
    assert listed.status_code == 200
    assert _position(listed) >= created["position"]
    assert created["id"] in {row["need_id"] for row in listed.get_json()["items"]}


def test_a_position_the_log_has_not_reached_is_refused(ystad: Tenant) -> None:
    assert_problem(
        ystad.officer.get("network/needs", query={"position": 10**9}), 422, field="position"
    )


def test_own_lists_hold_only_own_and_co_owned_work(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    mine = world.need(ystad, "identified", title="Ystads behov")
    theirs = world.need(skurup, "identified", title="Skurups behov", shared=True)
    head = ystad.officer.ok("POST", f"needs/{theirs}/co-owners", 200)["position"]
    own = ystad.officer.read("needs", query={"position": head})["items"]
    assert {row["need_id"]: row["relation"] for row in own} == {
        mine: "owner",
        theirs: "co_owner",
    }
    skurups = skurup.viewer.read("needs", query={"position": head})["items"]
    assert {row["need_id"] for row in skurups} == {theirs}
    assert_problem(ystad.officer.get("needs", query={"municipality": "skurup"}), 403)


def test_platform_auditors_name_the_municipality_whose_list_they_read(
    world: World, ystad: Tenant
) -> None:
    need_id = world.need(ystad, "identified")
    assert_problem(world.platform_auditor.get("needs"), 403)
    rows = world.platform_auditor.read(
        "needs", query={"municipality": "ystad", "position": world.version(f"needs/{need_id}")}
    )["items"]
    assert need_id in {row["need_id"] for row in rows}


def test_the_network_sees_shared_needs_only(world: World, ystad: Tenant, skurup: Tenant) -> None:
    private = world.need(ystad, "identified", title="Privat behov om golv")
    shared = world.need(ystad, "identified", title="Delat behov om golv", shared=True)
    position = ystad.officer.ok(
        "POST", f"needs/{private}/swot", 201, json={"quadrant": "threat", "text": "Kostnad"}
    )["position"]
    found = skurup.viewer.read("network/needs", query={"q": "golv", "position": position})
    ids = {row["need_id"] for row in found["items"]}
    assert shared in ids and private not in ids
    assert found["position"] >= position


def test_the_portfolio_never_shows_bids(world: World, ystad: Tenant, skurup: Tenant) -> None:
    procurement_id = world.procurement(ystad, "evaluation")  # bids are in, no award yet
    position = ystad.officer.ok(
        "PATCH", f"procurements/{procurement_id}", 200, json={"title": "AI-stöd, reviderad"}
    )["position"]
    page = skurup.viewer.get("network/procurements", query={"position": position})
    assert page.status_code == 200
    assert procurement_id in {row["procurement_id"] for row in page.get_json()["items"]}
    body = page.get_data(as_text=True)
    assert "tenderer" not in body and "bids" not in body


def test_the_decision_log_is_for_auditors_of_their_own_scope(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    need_id = world.need(ystad, "prioritised")
    parked = ystad.dm.ok(
        "POST", f"needs/{need_id}/decisions", 200, json=decision("park", PROCURE_AT)
    )
    assert_problem(ystad.officer.get("audit/decisions"), 403)
    assert_problem(ystad.viewer.get("audit/decisions"), 403)
    own = ystad.auditor.read("audit/decisions", query={"position": parked["position"]})["items"]
    assert {row["decision_type"] for row in own} >= {"prioritise", "park"}
    assert all(row["tenant"] == "ystad" or row["municipality"] == "ystad" for row in own)
    others = skurup.auditor.read("audit/decisions", query={"position": parked["position"]})
    assert all(row["tenant"] != "ystad" for row in others["items"])
    everything = world.platform_auditor.read(
        "audit/decisions", query={"position": parked["position"], "type": "park"}
    )["items"]
    assert [row["aggregate_id"] for row in everything] == [need_id]


def test_readiness_reports_how_far_each_view_lags(world: World, ystad: Tenant) -> None:
    world.need(ystad, "identified")
    ready = world.anonymous().get("/readyz")
    assert ready.status_code == 200
    views = ready.get_json()["checks"]["views"]
    assert {"tenant_index", "network_needs", "decision_log"} <= set(views)
    head = ready.get_json()["head_position"]
    assert all(v["lag"] == head - v["position"] for v in views.values())
