"""Registering any procurement in one step: ordinary purchasing, direct awards, call-offs."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from service.settings import Settings
from tests.api.conftest import (
    PROCURE_AT,
    Tenant,
    World,
    assert_problem,
    board,
    full_delegation,
    rule,
)

REGISTER = "procurements/register"


@pytest.fixture
def app(make_app: Any, store_settings: Settings) -> Flask:
    """Every case on SQLite and on PostgreSQL."""
    return make_app(store_settings)


@pytest.fixture
def ystad(world: World) -> Tenant:
    """Ordinary purchasing is delegated to the officers (inköpare) up to 5 MSEK."""
    return world.tenant(
        "ystad", rules=full_delegation() + full_delegation("officer", "5000000.00", prefix="OF")
    )


def registration(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "Kontorsmaterial 2019",
        "estimated_value_sek": "250000.00",
        "cpv_codes": ["30192000-1", "30197000-6"],
        "case_number": "KS 2019/17",
        "procedure": "direct_award",
        "decision": {
            "rationale": "Behov av kontorsmaterial under året",
            "authority": {"kind": "delegation"},
            "decided_at": "2019-02-04T10:00:00+01:00",
        },
        "screening": {
            "innovation": False,
            "kind": None,
            "rationale": "Standardvaror; ingen innovationspotential",
        },
    }
    body.update(overrides)
    return body


def test_register_a_direct_award_with_its_contract(ystad: Tenant):
    created = ystad.officer.ok(
        "POST",
        REGISTER,
        201,
        json=registration(
            contract={
                "supplier": {"org_number": "556677-8899", "name": "Kontorsvaror AB"},
                "contract_value_sek": "240000.00",
                "signed_on": "2019-02-11",
            },
            register_reference="INK-2019-0001",
        ),
    )
    procurement = ystad.viewer.read(f"procurements/{created['id']}")
    assert procurement["status"] == "contracted"
    assert procurement["need_ids"] == []
    assert procurement["cpv_code"] == "30192000-1"
    assert procurement["cpv_codes"] == ["30192000-1", "30197000-6"]
    assert procurement["innovation"] is False
    assert procurement["screening"]["rationale"] == "Standardvaror; ingen innovationspotential"
    assert procurement["procedure"] == "direct_award"
    assert procurement["contract"]["signed_on"] == "2019-02-11"
    assert procurement["contract"]["contract_value_sek"] == "240000.00"
    assert procurement["award"]["standstill_last_day"] is None
    assert procurement["procurement_decision"]["decided_at"].startswith("2019-02-04T09:00:00")
    assert procurement["register_reference"] == "INK-2019-0001"
    types = [d["type"] for d in procurement["decisions"]]
    assert types == ["decide_to_procure", "screen", "choose_procedure", "award", "sign_contract"]
    assert all(d["decided_by"] == "ystad-officer" for d in procurement["decisions"])


def test_register_a_call_off_from_a_framework_agreement(ystad: Tenant):
    created = ystad.officer.ok(
        "POST",
        REGISTER,
        201,
        json=registration(
            title="Avrop IT-konsult",
            procedure="call_off",
            framework_agreement="Adda ramavtal IT-konsulttjänster 2019",
            estimated_value_sek="3500000.00",
            screening={
                "innovation": True,
                "kind": "functional_requirements",
                "rationale": "Funktionskrav i avropet",
            },
            contract={
                "supplier": {"org_number": "556677-8899", "name": "Konsult AB"},
                "contract_value_sek": "3400000.00",
                "signed_on": "2019-03-01",
            },
        ),
    )
    procurement = ystad.viewer.read(f"procurements/{created['id']}")
    assert procurement["framework_agreement"] == "Adda ramavtal IT-konsulttjänster 2019"
    assert procurement["status"] == "contracted"
    assert procurement["innovation"] is True


def test_an_open_procedure_is_registered_in_planning_and_goes_on(ystad: Tenant):
    created = ystad.officer.ok(
        "POST",
        REGISTER,
        201,
        json=registration(procedure="open", estimated_value_sek="4000000.00", cpv_codes=[]),
    )
    procurement = ystad.viewer.read(f"procurements/{created['id']}")
    assert procurement["status"] == "planning"
    assert procurement["above_threshold"] is True
    assert procurement["cpv_codes"] == []
    # An open procedure cannot be registered with its contract: a standstill applies.
    refused = ystad.officer.post(
        REGISTER,
        json=registration(
            procedure="open",
            contract={
                "supplier": {"org_number": "556677-8899", "name": "X AB"},
                "contract_value_sek": "1.00",
                "signed_on": "2019-03-01",
            },
        ),
    )
    assert_problem(refused, 409, rule="contract_needs_award")


def test_screening_and_decision_are_required(ystad: Tenant):
    body = registration()
    del body["screening"]
    assert_problem(ystad.officer.post(REGISTER, json=body), 422, field="screening")
    body = registration(screening={"innovation": True, "rationale": "Nytt"})
    assert_problem(ystad.officer.post(REGISTER, json=body), 422, field="kind")
    body = registration()
    del body["decision"]["decided_at"]
    assert_problem(ystad.officer.post(REGISTER, json=body), 422, field="decision")
    body = registration(procedure="call_off")
    assert_problem(ystad.officer.post(REGISTER, json=body), 422, field="framework_agreement")
    # Over the direct-award limit in force on the decision day.
    body = registration(estimated_value_sek="900000.00")
    assert_problem(ystad.officer.post(REGISTER, json=body), 409, rule="direct_award_limit")
    assert ystad.viewer.read("procurements", query={"position": 0})["items"] == []


def test_same_register_reference_twice_is_refused(ystad: Tenant):
    ystad.officer.ok("POST", REGISTER, 201, json=registration(register_reference="R-1"))
    again = ystad.officer.post(REGISTER, json=registration(register_reference="R-1"))
    assert_problem(again, 409, rule="already_registered")


def test_authority_is_checked_like_any_decision(world: World):
    # Only the decision maker holds delegated authority; officers record board decisions.
    tenant = world.tenant("skurup", rules=full_delegation())
    refused = tenant.officer.post(REGISTER, json=registration())
    assert refused.status_code in (403, 409), refused.get_data(as_text=True)
    recorded = board("decide_to_procure", "2019-02-04T10:00:00+01:00")
    body = registration(decision={k: recorded[k] for k in ("rationale", "authority", "decided_at")})
    created = tenant.officer.ok("POST", REGISTER, 201, json=body)
    procurement = tenant.viewer.read(f"procurements/{created['id']}")
    assert procurement["procurement_decision"]["authority"]["kind"] == "board"
    # The viewer cannot register.
    assert tenant.viewer.post(REGISTER, json=registration()).status_code == 403
    # A ceiling below the value refuses it under delegation.
    capped = world.tenant(
        "trelleborg",
        rules=[
            rule("T-1", "decide_to_procure", "decision_maker", "100000.00"),
            rule("T-2", "screen"),
            rule("T-3", "choose_procedure"),
        ],
    )
    assert capped.dm.post(REGISTER, json=registration()).status_code in (403, 409)


@pytest.mark.parametrize("linked", [True])
def test_needs_are_optional_links(world: World, ystad: Tenant, linked: bool):
    need = world.need(ystad, "procurement_decided")
    created = ystad.officer.ok(
        "POST",
        REGISTER,
        201,
        json=registration(
            need_ids=[need],
            decision={
                "rationale": "Behovet möts",
                "authority": {"kind": "delegation"},
                "decided_at": PROCURE_AT,
            },
        ),
    )
    assert ystad.viewer.read(f"needs/{need}")["status"] == "in_procurement"
    assert ystad.viewer.read(f"procurements/{created['id']}")["need_ids"] == [need]
