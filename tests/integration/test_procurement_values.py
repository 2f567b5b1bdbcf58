"""A procurement's contract, participants, bids, award, reviews, screening, milestones,
follow-ups, market dialogue and lessons are frozen values in its state: snapshots keep them
through the store's transcoder, and a snapshot taken while they were dictionaries (class
versions 2 to 5) is upcast."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator

import pytest

from domain.procurement import Procurement
from domain.procurement_values import Award, Bid, Contract, Participant
from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import DomainWorld
from tests.domain.test_procurement_state_values import SCENARIOS, old_snapshot
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
    assert isinstance(procurement.award, Award)
    assert all(isinstance(bid, Bid) for bid in procurement.bids)
    assert all(isinstance(p, Participant) for p in procurement.participants)
    with pytest.raises(dataclasses.FrozenInstanceError):
        procurement.contract.signed_on = None  # type: ignore[misc]
    assert app.snapshots is not None
    stored = list(app.snapshots.get(uuid.UUID(scenario.procurement_id), desc=True, limit=1))
    assert stored and stored[0].originator_version > scenario.procurement_versions["contracted"]
    from_snapshot = stored[0].mutate(None)
    assert isinstance(from_snapshot.contract, Contract)
    assert from_snapshot.contract == procurement.contract
    assert from_snapshot.award == procurement.award
    assert from_snapshot.bids == procurement.bids
    assert from_snapshot.participants == procurement.participants
    # Through the transcoder and back: what the store writes for a snapshot.
    snapshot = Procurement.Snapshot.take(procurement)
    again = app.mapper.to_domain_event(app.mapper.to_stored_event(snapshot))
    assert again.mutate(None) == procurement


@pytest.mark.parametrize("class_version", [2, 3, 4, 5])
def test_a_snapshot_from_before_the_values_is_upcast(app: Innoledger, class_version: int):
    scenario = run_seed_scenario(app)
    procurement = app.procurement(AUDITOR, scenario.procurement_id)
    assert procurement.contract is not None
    stored = app.mapper.to_stored_event(old_snapshot(procurement, class_version))
    restored = app.mapper.to_domain_event(stored).mutate(None)
    assert restored.contract == procurement.contract
    assert restored.award == procurement.award
    assert restored == procurement


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_reviews_and_participants_go_through_the_transcoder(app: Innoledger, scenario: str):
    procurement = SCENARIOS[scenario](DomainWorld("ystad"))
    procurement.collect_events()
    taken = Procurement.Snapshot.take(procurement)
    old = [old_snapshot(procurement, version) for version in (3, 4, 5)]
    for snapshot in (taken, *old):
        again = app.mapper.to_domain_event(app.mapper.to_stored_event(snapshot)).mutate(None)
        assert again.reviews == procurement.reviews
        assert again.participants == procurement.participants
        assert again == procurement
