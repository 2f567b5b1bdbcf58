"""Valid-time order across aggregates: a procurement, a municipality's joining it and a
registered purchase rest on the decisions to procure (anskaffningsbeslut) of the needs they
address, which are recorded on the needs. Recording later is fine; dating a step before the
decision it rests on is refused (409 naming the rule and both dates) and writes nothing."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import (
    AWARD_AT,
    BID_AT,
    NOTIFIED_AT,
    PROCURE_AT,
    PUBLISH_AT,
    SCORES,
    SUPPLIER_A,
    TENDER_DEADLINE,
    Tenant,
    World,
    assert_problem,
    decision,
)

RULE = "procurement_before_need_decision"
BEFORE_PROCURE = "2018-04-09T10:00:00+02:00"  # a day before the needs' decision to procure


def start(world: World, tenant: Tenant, need_ids: list[str]) -> str:
    return tenant.officer.ok("POST", "procurements", 201, json={
        "title": "AI-stöd", "description": "Innovationsupphandling", "need_ids": need_ids,
        "estimated_value_sek": "1500000.00",
    })["id"]


def test_a_procurement_decision_is_not_dated_before_its_needs_decision_to_procure(
    world: World, ystad: Tenant
) -> None:
    need = world.need(ystad, "procurement_decided")  # decided to procure at PROCURE_AT
    procurement = start(world, ystad, [need])
    path = f"procurements/{procurement}"
    version = ystad.viewer.read(path)["version"]
    refused = assert_problem(
        ystad.dm.post(f"{path}/decisions", json=decision(
            "screen", BEFORE_PROCURE, innovation=True, kind="functional_requirements")),
        409, rule=RULE,
    )
    assert set(refused["dates"].values()) == {"2018-04-09T08:00:00+00:00",
                                               "2018-04-10T08:00:00+00:00"}
    assert ystad.viewer.read(path)["version"] == version  # nothing written
    # On the same day, after the decision to procure, and recorded years later: accepted.
    ystad.dm.ok("POST", f"{path}/decisions", 200, json=decision(
        "screen", PROCURE_AT, innovation=True, kind="functional_requirements"))


def test_joining_is_not_dated_before_the_joining_municipalitys_own_decision_to_procure(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    shared = world.need(skurup, shared=True)
    ystad.officer.ok("POST", f"needs/{shared}/co-owners", 200)
    skurup.dm.ok("POST", f"needs/{shared}/decisions", 200,
                 json=decision("prioritise", "2018-03-14T10:00:00+01:00", scores=SCORES))
    skurup.dm.ok("POST", f"needs/{shared}/decisions", 200,
                 json=decision("decide_to_procure", "2018-05-02T10:00:00+02:00"))
    own = world.need(ystad, "procurement_decided")
    path = f"procurements/{start(world, ystad, [own, shared])}"
    refused = assert_problem(
        skurup.dm.post(f"{path}/participation",
                       json=decision("join", "2018-04-20T10:00:00+02:00")),
        409, rule=RULE,
    )
    assert "2018-05-02T08:00:00+00:00" in refused["dates"].values()
    assert skurup.viewer.read(path)["proposed_need_ids"] == {"skurup": [shared]}
    skurup.dm.ok("POST", f"{path}/participation", 200,
                 json=decision("join", "2018-05-08T10:00:00+02:00"))


def test_a_registered_purchase_is_not_decided_before_the_need_it_meets(
    world: World, ystad: Tenant
) -> None:
    need = world.need(ystad, "procurement_decided")
    body = {
        "title": "Kontorsmaterial", "estimated_value_sek": "250000.00",
        "procedure": "direct_award", "need_ids": [need],
        "decision": {"rationale": "Behov", "authority": {"kind": "delegation"},
                     "decided_at": BEFORE_PROCURE},
        "screening": {"innovation": False, "kind": None, "rationale": "Standardvaror"},
    }
    assert_problem(ystad.dm.post("procurements/register", json=body), 409, rule=RULE)
    assert ystad.viewer.read(f"needs/{need}")["status"] == "procurement_decided"
    ystad.dm.ok("POST", "procurements/register", 201, json={
        **body, "decision": {**body["decision"], "decided_at": "2018-04-11T10:00:00+02:00"}})


def test_participation_decisions_keep_their_order_and_nothing_closes_the_door_before_them(
    world: World, ystad: Tenant, skurup: Tenant, trelleborg: Tenant
) -> None:
    """A municipality withdraws after it joined; joining and declining happen while the
    procurement is planned or tendered, withdrawing until the award: the opening of the bids,
    the award and a cancellation are not dated before the participation decisions taken while
    that door was open (recorded later or not)."""
    shared = world.need(skurup, shared=True)
    ystad.officer.ok("POST", f"needs/{shared}/co-owners", 200)
    skurup.dm.ok("POST", f"needs/{shared}/decisions", 200,
                 json=decision("prioritise", "2018-03-14T10:00:00+01:00", scores=SCORES))
    skurup.dm.ok("POST", f"needs/{shared}/decisions", 200,
                 json=decision("decide_to_procure", "2018-05-02T10:00:00+02:00"))
    own = world.need(ystad, "procurement_decided")
    path = f"procurements/{start(world, ystad, [own, shared])}"
    skurup.dm.ok("POST", f"{path}/participation", 200,
                 json=decision("join", "2018-05-08T10:00:00+02:00"))

    def refused(client: Any, route: str, body: dict[str, Any], rule: str, *dates: str) -> None:
        version = ystad.viewer.read(path)["version"]
        problem = assert_problem(client.post(f"{path}/{route}", json=body), 409, rule=rule)
        assert set(dates) <= set(problem["dates"].values()), problem
        assert ystad.viewer.read(path)["version"] == version  # nothing written

    refused(skurup.dm, "participation", decision("withdraw", "2018-05-07T10:00:00+02:00"),
            "participation_before_previous", "2018-05-07T08:00:00+00:00",
            "2018-05-08T08:00:00+00:00")
    refused(ystad.dm, "decisions", decision("cancel", "2018-05-05T10:00:00+02:00"),
            "cancel_before_participation", "2018-05-08T08:00:00+00:00")
    ystad.officer.ok("POST", f"{path}/participants", 200,
                     json={"municipality": "trelleborg", "role": "participant"})
    decisions = f"{path}/decisions"
    ystad.dm.ok("POST", decisions, 200, json=decision(
        "screen", "2018-05-09T10:00:00+02:00", innovation=True, kind="functional_requirements"))
    ystad.dm.ok("POST", decisions, 200, json=decision(
        "choose_procedure", "2018-05-09T11:00:00+02:00", procedure="open"))
    ystad.dm.ok("POST", decisions, 200, json=decision(
        "publish", PUBLISH_AT, notice_id="TED-2018/S-1", tender_deadline=TENDER_DEADLINE))
    ystad.officer.ok("POST", f"{path}/bids", 201, json={
        "tenderer_org_number": SUPPLIER_A["org_number"], "tenderer_name": SUPPLIER_A["name"],
        "received_at": BID_AT})
    # Trelleborg joins on 2018-10-20, recorded while the bids are still unopened.
    trelleborg.dm.ok("POST", f"{path}/participation", 200,
                     json=decision("join", "2018-10-20T10:00:00+02:00"))
    refused(ystad.officer, "evaluation", {"at": "2018-10-16T09:00:00+02:00"},
            "opening_before_participation", "2018-10-20T08:00:00+00:00")
    ystad.officer.ok("POST", f"{path}/evaluation", 201, json={"at": "2018-10-21T09:00:00+02:00"})
    trelleborg.dm.ok("POST", f"{path}/participation", 200,
                     json=decision("withdraw", "2018-10-25T10:00:00+02:00"))
    award = {"suppliers": [SUPPLIER_A], "evaluation_summary": "Bäst",
             "sent_electronically": True}
    refused(ystad.dm, "decisions", decision(
        "award", "2018-10-22T10:00:00+02:00", notification_sent_at="2018-10-22T11:00:00+02:00",
        **award), "award_before_participation", "2018-10-25T08:00:00+00:00")
    ystad.dm.ok("POST", decisions, 200, json=decision(
        "award", AWARD_AT, notification_sent_at=NOTIFIED_AT, **award))
