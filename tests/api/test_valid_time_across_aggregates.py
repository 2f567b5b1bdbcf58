"""Valid-time order across aggregates: a procurement, a municipality's joining it and a
registered purchase rest on the decisions to procure (anskaffningsbeslut) of the needs they
address, which are recorded on the needs. Recording later is fine; dating a step before the
decision it rests on is refused (409 naming the rule and both dates) and writes nothing."""

from __future__ import annotations

from tests.api.conftest import (
    PROCURE_AT,
    SCORES,
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
