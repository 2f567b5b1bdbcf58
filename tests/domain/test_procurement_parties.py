"""Tenderers and suppliers: organisations by number, sole traders only by a directory id."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from domain.errors import InvalidValue, RuleViolation
from domain.procurement import Procurement
from domain.values.org_number import luhn_check_digit
from tests.builders import (
    AWARD_AT,
    BID_AT,
    EVALUATION_AT,
    NOTIFIED_AT,
    SIGN_AT,
    SIGN_ON,
    SUPPLIER_A,
    DomainWorld,
)

PERSON = "811218987" + str(luhn_check_digit("811218987"))


@pytest.fixture
def world() -> DomainWorld:
    return DomainWorld("ystad")


def tendering(world: DomainWorld) -> Procurement:
    procurement = world.procurement("tendering", bidders=())
    procurement.collect_events()
    return procurement


@pytest.mark.parametrize("number", [PERSON, f"{PERSON[:6]}-{PERSON[6:]}"])
def test_a_personnummer_never_reaches_an_event(world: DomainWorld, number: str) -> None:
    procurement = tendering(world)
    with world.as_role("officer"), pytest.raises(InvalidValue, match="personal identity") as no:
        procurement.record_bid(tenderer_org_number=number, tenderer_name="Anna", received_at=BID_AT)
    assert no.value.field == "tenderer_org_number"
    assert PERSON[:6] not in no.value.message
    assert procurement.collect_events() == []


def test_a_sole_trader_tenders_wins_and_signs_by_directory_id(world: DomainWorld) -> None:
    procurement = tendering(world)
    party_id = str(uuid.uuid4())
    with world.as_role("officer"):
        procurement.record_bid(
            tenderer_org_number=None,
            tenderer_name=None,
            tenderer_party_id=party_id,
            received_at=BID_AT,
        )
        with pytest.raises(RuleViolation, match="tendered already"):
            procurement.record_bid(
                tenderer_org_number=None,
                tenderer_name=None,
                tenderer_party_id=party_id,
                received_at=BID_AT,
            )
        procurement.record_bid(
            tenderer_org_number=SUPPLIER_A["org_number"],
            tenderer_name=SUPPLIER_A["name"],
            received_at=BID_AT,
        )
        procurement.start_evaluation(at=EVALUATION_AT)
    with world.as_role("decision_maker"):
        procurement.award_contract(
            world.decide("award", AWARD_AT, value_sek=procurement.estimated_value_sek),
            suppliers=[{"party_id": party_id}],
            evaluation_summary="Bäst.",
            notification_sent_at=NOTIFIED_AT,
            sent_electronically=True,
        )
        with pytest.raises(RuleViolation, match="not awarded"):
            procurement.sign_contract(
                world.decide("sign_contract", SIGN_AT, value_sek="1000000.00"),
                supplier_org_number=SUPPLIER_A["org_number"],
                contract_value_sek="1000000.00",
                signed_on=SIGN_ON,
            )
        procurement.sign_contract(
            world.decide("sign_contract", SIGN_AT, value_sek="1000000.00"),
            supplier_org_number=None,
            supplier_party_id=party_id,
            contract_value_sek="1000000.00",
            signed_on=SIGN_ON,
        )
    assert procurement.contract is not None
    assert procurement.contract.supplier_party_id == party_id
    assert procurement.contract.supplier_org_number is None
    for event in procurement.collect_events():
        assert PERSON not in repr(vars(event))


def test_a_directory_reference_stands_alone(world: DomainWorld) -> None:
    procurement = tendering(world)
    with world.as_role("officer"), pytest.raises(InvalidValue, match="stands alone"):
        procurement.record_bid(
            tenderer_org_number=SUPPLIER_A["org_number"],
            tenderer_name="x",
            tenderer_party_id=str(uuid.uuid4()),
            received_at=BID_AT,
        )
    with world.as_role("officer"), pytest.raises(InvalidValue, match="party directory"):
        procurement.record_bid(
            tenderer_org_number=None,
            tenderer_name=None,
            tenderer_party_id="not-an-id",
            received_at=BID_AT,
        )


def test_events_stored_before_sole_traders_still_load(world: DomainWorld) -> None:
    """Events of bids and contracts stored without the party id attributes replay as before."""
    procurement = world.procurement("contracted", collect=False)
    events = procurement.collect_events()
    old_shape: list[Any] = []
    for event in events:
        for attribute in ("tenderer_party_id", "supplier_party_id"):
            event.__dict__.pop(attribute, None)
        for supplier in event.__dict__.get("suppliers", []):
            supplier.pop("party_id", None)
        old_shape.append(event)
    replayed: Any = None
    for event in old_shape:
        replayed = event.mutate(replayed)
    assert replayed.status == "contracted"
    assert replayed.contract.supplier_org_number == procurement.contract.supplier_org_number
    assert [b.tenderer_org_number for b in replayed.bids] == [
        b.tenderer_org_number for b in procurement.bids
    ]
    assert all("tenderer_party_id" not in b.as_state() for b in replayed.bids)
    assert replayed.bids == procurement.bids
