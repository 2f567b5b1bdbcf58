"""The lead's decisions as typed commands: one per decision type, built by the API's schema or
from a mapping, refusing what does not belong, naming the field."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from domain.decisions import PROCUREMENT_DECISIONS
from domain.errors import InvalidValue
from domain.procurement_decisions import (
    COMMANDS,
    Award,
    NamedSupplier,
    Screen,
    SignContract,
    procurement_decision,
)
from service.api.schemas.procurements import ProcurementDecisionSchema

COMMON: dict[str, Any] = {
    "rationale": "Motivering",
    "authority": {"kind": "delegation"},
    "decided_at": "2018-04-03T10:00:00+02:00",
}
# One valid JSON body per decision type, as a client sends it.
BODIES: dict[str, dict[str, Any]] = {
    "screen": {"innovation": True, "kind": "functional_requirements"},
    "choose_procedure": {"procedure": "open"},
    "publish": {"notice_id": "TED-1", "tender_deadline": "2018-06-01T12:00:00Z"},
    "award": {
        "suppliers": [{"org_number": "556677-8899", "name": "Leverantör AB"}],
        "evaluation_summary": "Bäst",
        "notification_sent_at": "2018-12-20T09:00:00Z",
        "sent_electronically": True,
    },
    "cancel": {},
    "sign_contract": {
        "supplier_org_number": "556677-8899",
        "contract_value_sek": "490000.00",
        "signed_on": "2019-01-07",
    },
    "close": {"outcome": "completed"},
    "terminate_early": {"reason": "need_ceased"},
}


def test_every_procurement_decision_type_has_one_command():
    assert set(COMMANDS) == set(PROCUREMENT_DECISIONS) == set(BODIES)
    assert set(ProcurementDecisionSchema.TYPES) == set(COMMANDS)


@pytest.mark.parametrize("kind", sorted(BODIES))
def test_the_schema_loads_each_decision_as_its_frozen_command(kind: str):
    command = ProcurementDecisionSchema().load({"type": kind, **COMMON, **BODIES[kind]})
    assert type(command) is COMMANDS[kind]
    assert command.type == kind
    assert command.decided_at == datetime(2018, 4, 3, 8, tzinfo=UTC)
    with pytest.raises(dataclasses.FrozenInstanceError):
        command.rationale = "ändrad"  # type: ignore[misc]


def test_typed_fields_arrive_typed():
    award = ProcurementDecisionSchema().load({"type": "award", **COMMON, **BODIES["award"]})
    assert isinstance(award, Award)
    assert award.suppliers == (NamedSupplier("556677-8899", "Leverantör AB"),)
    assert award.sent_electronically is True
    signing = procurement_decision({
        "type": "sign_contract", **COMMON, **BODIES["sign_contract"], "signed_on": date(2019, 1, 7)
    })
    assert isinstance(signing, SignContract)
    assert signing.contract_value_sek == Decimal("490000.00")


def test_a_mapping_becomes_the_same_command_the_schema_builds():
    decided_at = datetime(2018, 4, 3, 8, tzinfo=UTC)
    built = procurement_decision({"type": "screen", **COMMON, "decided_at": decided_at,
                                  "innovation": False})  # fmt: skip
    assert built == Screen(
        rationale="Motivering", authority={"kind": "delegation"}, decided_at=decided_at,
        innovation=False, kind=None,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"type": "approve"}, "type"),
        ({"type": None}, "type"),
        ({"type": "close", **COMMON}, "outcome"),
        ({"type": "close", **COMMON, "outcome": None}, "outcome"),
        ({"type": "cancel", **COMMON, "outcome": "completed"}, "outcome"),
        ({"type": "cancel", "rationale": "x", "authority": {}}, "decided_at"),
        ({"type": "award", **COMMON, **BODIES["award"], "suppliers": "Leverantör AB"},
         "suppliers"),
        ({"type": "award", **COMMON, **BODIES["award"], "suppliers": [{"org_number": "1",
          "iban": "SE00"}]}, "suppliers[0].iban"),
        ({"type": "sign_contract", **COMMON, **BODIES["sign_contract"],
          "contract_value_sek": "1,5"}, "contract_value_sek"),
    ],
)  # fmt: skip
def test_a_mapping_that_is_no_decision_is_refused_naming_the_field(fields: dict, field: str):
    with pytest.raises(InvalidValue) as refused:
        procurement_decision(fields)
    assert refused.value.field == field
