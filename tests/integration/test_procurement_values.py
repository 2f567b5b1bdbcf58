"""A procurement's contract is a frozen value in its state: snapshots keep it through the
store's transcoder, and a snapshot taken while it was a dictionary (class version 2) is upcast."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from domain.procurement import Procurement
from domain.procurement_values import Contract
from service.innoledger import Innoledger
from service.settings import Settings
from tests.integration.test_store_roundtrip import AUDITOR, run_seed_scenario


@pytest.fixture
def app(store_settings: Settings) -> Iterator[Innoledger]:
    application = Innoledger(dataclasses.replace(store_settings, snapshot_interval=3))
    yield application
    application.close()


def test_the_contract_is_a_value_that_snapshots_keep(app: Innoledger):
    scenario = run_seed_scenario(app)
    procurement = app.procurement(AUDITOR, scenario.procurement_id)
    assert isinstance(procurement.contract, Contract)
    with pytest.raises(dataclasses.FrozenInstanceError):
        procurement.contract.signed_on = None  # type: ignore[misc]
    assert app.snapshots is not None
    stored = list(app.snapshots.get(uuid.UUID(scenario.procurement_id), desc=True, limit=1))
    assert stored and stored[0].originator_version > scenario.procurement_versions["contracted"]
    from_snapshot = stored[0].mutate(None)
    assert isinstance(from_snapshot.contract, Contract)
    assert from_snapshot.contract == procurement.contract
    # Through the transcoder and back: what the store writes for a snapshot.
    snapshot = Procurement.Snapshot.take(procurement)
    again = app.mapper.to_domain_event(app.mapper.to_stored_event(snapshot))
    assert again.mutate(None) == procurement


def test_a_snapshot_from_before_the_value_is_upcast(app: Innoledger):
    scenario = run_seed_scenario(app)
    procurement = app.procurement(AUDITOR, scenario.procurement_id)
    assert procurement.contract is not None
    taken = Procurement.Snapshot.take(procurement)
    old_state = {**taken.state, "class_version": 2, "contract": {
        "supplier_org_number": procurement.contract.supplier_org_number,
        "contract_value_sek": procurement.contract.contract_value_sek,
        "signed_on": procurement.contract.signed_on,
    }}  # fmt: skip
    old = Procurement.Snapshot(
        originator_id=taken.originator_id,
        originator_version=taken.originator_version,
        timestamp=taken.timestamp,
        topic=taken.topic,
        state=old_state,
    )
    stored = app.mapper.to_stored_event(old)
    restored = app.mapper.to_domain_event(stored).mutate(None)
    assert restored.contract == procurement.contract
    assert restored == procurement
